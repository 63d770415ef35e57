package dev.weft.serde;

import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/** The Avro data model every Weft reader and writer of generated classes uses. */
public final class AvroModels {
  private AvroModels() {}

  /**
   * The class's own model with the generated encoders and decoders switched on. Avro leaves them off by default and
   * walks each record field by field through its generic code instead; the generated ones read and write the fields
   * directly and still resolve a writer schema that differs from the reader's. Decoding and encoding were a fifth
   * of the coordinator's fold (docs/performance.md).
   */
  public static SpecificData of(Class<? extends SpecificRecord> type) {
    SpecificData data = SpecificData.getForClass(type);
    data.setCustomCoders(true);
    return data;
  }
}
