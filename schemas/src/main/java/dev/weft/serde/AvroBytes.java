package dev.weft.serde;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;

/**
 * Encodes one Avro value to a new byte array behind a fixed prefix, through a buffer and an encoder that each thread
 * keeps between values.
 *
 * <p>Why: the coordinator encodes about seven values a task (its changelog writes, its commands and run events). With a
 * {@code ByteArrayOutputStream} per value and Avro's direct encoder, every varint and string went to the stream a
 * byte or an array at a time through a synchronized {@code write}, and encoding was a sixth of the stream thread's
 * time (2026-12-04, docs/performance.md). Avro's buffered encoder writes into its own array and hands the stream
 * whole blocks; the stream here is not synchronized and keeps its capacity.
 */
public final class AvroBytes {
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
  /** A thread's buffer grown past this by one large value is dropped after it, not kept for the thread's life. */
  private static final int KEEP_AT_MOST = 1 << 20;

  private AvroBytes() {}

  /**
   * @return {@code prefix} followed by {@code value}'s Avro binary encoding, in a new array the caller owns
   * @throws IOException when the writer cannot write the value (a required field is null, say)
   */
  public static <T> byte[] encode(byte[] prefix, DatumWriter<T> writer, T value) throws IOException {
    Scratch s = SCRATCH.get();
    s.count = 0;
    s.write(prefix, 0, prefix.length); // the encoder's own buffer is empty between values, so order is kept
    boolean done = false;
    try {
      writer.write(value, s.encoder);
      s.encoder.flush();
      done = true;
      return Arrays.copyOf(s.buf, s.count);
    } finally {
      // A failed value may leave bytes in the encoder's buffer, which it would hand to the next value: start afresh.
      if (!done || s.buf.length > KEEP_AT_MOST) SCRATCH.remove();
    }
  }

  /** A growable array written by one thread: no lock per write, unlike {@code ByteArrayOutputStream}. */
  private static final class Scratch extends OutputStream {
    byte[] buf = new byte[1024];
    int count;
    /** Bound to this buffer for good: re-binding an encoder allocates, and would flush what a failed value left. */
    final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(this, null);

    @Override
    public void write(int b) {
      room(1);
      buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      room(len);
      System.arraycopy(b, off, buf, count, len);
      count += len;
    }

    private void room(int more) {
      if (count + more > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
    }
  }
}
