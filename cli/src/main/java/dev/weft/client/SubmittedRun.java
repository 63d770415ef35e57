package dev.weft.client;

/** A request on its way: the run id to follow, and when it was sent (where following starts in the log). */
public record SubmittedRun(String runId, String pipeline, long submittedAtMs) {}
