package dev.weft.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;

class StateCopiesTest {
  @Test
  void shouldCopyEveryFieldOfATask() {
    TaskState task = filled(new TaskState());

    TaskState copy = StateCopies.copy(task);

    assertSameFields(copy, task);
  }

  @Test
  void shouldCopyEveryFieldOfARun() {
    RunState run = filled(new RunState());

    RunState copy = StateCopies.copy(run);

    assertSameFields(copy, run);
  }

  @Test
  void shouldLeaveTheOriginalAloneWhenTheCopyChanges() {
    TaskState task = filled(new TaskState());
    String status = task.getStatus();

    StateCopies.copy(task).setStatus("CHANGED");

    assertThat(task.getStatus()).isEqualTo(status);
  }

  /** Shallow: each field holds the very object the original holds, and the copy is another record. */
  private static void assertSameFields(SpecificRecordBase copy, SpecificRecordBase original) {
    assertThat(copy).isNotSameAs(original).isEqualTo(original);
    for (Schema.Field f : original.getSchema().getFields()) {
      assertThat(copy.get(f.pos())).as(f.name()).isEqualTo(original.get(f.pos()));
    }
  }

  /** Every field set to a value no other field has and no new record has, so a field left out shows. */
  private static <T extends SpecificRecordBase> T filled(T record) {
    for (Schema.Field f : record.getSchema().getFields()) record.put(f.pos(), valueOf(f.schema(), f.pos()));
    return record;
  }

  private static Object valueOf(Schema schema, int pos) {
    return switch (schema.getType()) {
      case STRING -> "value-" + pos;
      case INT -> 1000 + pos;
      case LONG -> 2000L + pos;
      case DOUBLE -> 3000.5 + pos;
      case BOOLEAN -> true;
      case ARRAY -> new ArrayList<>(List.of());
      case MAP -> new HashMap<>(Map.of());
      case UNION -> valueOf(schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst()
          .orElseThrow(), pos);
      default -> throw new AssertionError("no test value for " + schema + ": add one here");
    };
  }
}
