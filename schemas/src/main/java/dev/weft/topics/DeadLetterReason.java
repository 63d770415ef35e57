package dev.weft.topics;

/**
 * Why a record went to the dead-letter topic, in a few words that a metric may carry as a label (the reason header
 * of {@link DeadLetterHeaders} holds the full text, which names runs and offsets and so cannot be a label).
 */
public enum DeadLetterReason {
  /** Not Avro in the Confluent wire format, or written with a schema the registry does not know. */
  UNDECODABLE("undecodable"),
  /** The record's key is not what its value says it belongs to (runId, or runId/taskId for a command). */
  MIS_KEYED("mis_keyed"),
  /** A request the coordinator refused: an invalid pipeline, a taken run id, a cancel naming nothing. */
  INVALID_REQUEST("invalid_request"),
  /** A task event for a run, task or attempt that the coordinator never created or dispatched. */
  UNKNOWN_TARGET("unknown_target"),
  /** A command of a kind this executor does not know. */
  INVALID_COMMAND("invalid_command"),
  /** A bug in Weft while handling the record; its full reason says where. */
  INTERNAL_ERROR("internal_error");

  private final String label;

  DeadLetterReason(String label) {
    this.label = label;
  }

  /** The value of the {@code reason} label of {@code weft_dead_letters_total}. */
  public String label() {
    return label;
  }
}
