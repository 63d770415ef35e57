package dev.weft.client;

import com.fasterxml.jackson.annotation.JsonInclude;

/** How one task of a run ended, as the requester sees it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskResult(String id, String status, int attempts, Integer exitCode, String failureKind, String lastFailure,
    String logTail, String trackingUrl, Long startedAtMs, Long finishedAtMs) {}
