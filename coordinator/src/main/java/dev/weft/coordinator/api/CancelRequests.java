package dev.weft.coordinator.api;

/**
 * Where the API's cancel buttons go: a CANCEL request on the pipeline-requests topic, the same record
 * {@code weft cancel} publishes. The coordinator's fold decides what it cancels, so the API stays a requester.
 */
public interface CancelRequests {
  /** Refuses every cancel: an API that only reads (tests, tools). */
  CancelRequests NONE = (runId, taskId, reason, requester) -> {
    throw new IllegalStateException("this API cannot cancel runs");
  };

  /**
   * Publishes a cancel request and returns once the broker has it.
   *
   * @param taskId the task to cancel with its dependants, or null for the whole run
   * @param reason shown by {@code weft status} and the run page; may be null
   * @param requester who asked, recorded on the request
   * @throws IllegalStateException when the request could not be published
   */
  void cancel(String runId, String taskId, String reason, String requester);
}
