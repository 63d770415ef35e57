package dev.weft.sink;

/** {@code ids/{runId}/...}: where a run id's records are, so a run is found by id without a scan of the days. */
public record RunPointer(String runId, String dir) {}
