package dev.weft.executor;

import dev.weft.avro.CommandKind;
import dev.weft.avro.TaskCommand;
import dev.weft.serde.SchemaRegistryException;
import dev.weft.topics.DeadLetterReason;
import dev.weft.topics.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Turns a record of {@code commands.<executor>} into a command the executor may act on, or says why it cannot.
 *
 * <p>Three answers, because they need three different treatments: a {@link Command} is run or cancelled; a
 * {@link Bad} record can never become a command (garbage, an unknown schema id, an unknown kind, a key that is not the
 * value's {@code runId/taskId}) and goes to the dead-letter topic once; and when the {@link RegistryUnavailable schema
 * registry does not answer}, the record may well be good, so it is neither run nor dead-lettered but read again later,
 * as the coordinator does.
 *
 * <p>Why a mis-keyed command is refused: commands are keyed {@code runId/taskId} so that an attempt's CANCEL lands on
 * the partition of its RUN, after it. A RUN under another key may be read after its CANCEL, or by another instance
 * than the one its CANCEL reaches, and then run on with nobody able to stop it.
 */
final class CommandDecoder {
  sealed interface Result {}

  record Command(TaskCommand command) implements Result {}

  /** @param category the reason in a word, for the dead-letter metric */
  record Bad(DeadLetterReason category, String reason) implements Result {}

  record RegistryUnavailable(String reason) implements Result {}

  private final Deserializer<TaskCommand> deserializer;

  CommandDecoder(Deserializer<TaskCommand> deserializer) {
    this.deserializer = deserializer;
  }

  Result decode(ConsumerRecord<byte[], byte[]> r) {
    if (r.value() == null) return new Bad(DeadLetterReason.UNDECODABLE, "empty record (null value) on a command topic");
    TaskCommand command;
    try {
      command = deserializer.deserialize(r.topic(), r.headers(), r.value());
    } catch (SchemaRegistryException e) {
      return new RegistryUnavailable(describe(e));
    } catch (RuntimeException e) {
      return new Bad(DeadLetterReason.UNDECODABLE, "not a TaskCommand: " + describe(e));
    }
    if (command == null || command.getKind() == null || command.getKind() == CommandKind.UNKNOWN) {
      return new Bad(DeadLetterReason.INVALID_COMMAND, "unknown command kind" + (command == null ? "" : " " + command.getKind())
          + "; this executor understands RUN and CANCEL (is it older than the coordinator?)");
    }
    String expected = Topics.commandKey(command.getRunId(), command.getTaskId());
    String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
    if (!expected.equals(key)) {
      return new Bad(DeadLetterReason.MIS_KEYED, command.getKind() + " command for " + expected + "#" + command.getAttempt() + " has key "
          + (key == null ? "null" : "'" + key + "'") + "; commands must be keyed runId/taskId ('" + expected
          + "') so that a CANCEL follows its RUN on one partition. Not acted on, and nothing reported for the attempt "
          + "(the coordinator writes every command under its right key, so this one came from elsewhere): fix the "
          + "producer that wrote it");
    }
    return new Command(command);
  }

  static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) sb.append("; caused by ").append(c);
    return sb.toString();
  }
}
