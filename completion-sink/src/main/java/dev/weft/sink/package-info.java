/**
 * The completion sink: a consumer group on run-events that writes each run's durable history (a run record, a
 * record per task and per attempt) as JSON objects at deterministic keys, in S3 or a local directory, exactly once in
 * effect. {@code dev.weft.sink.lineage} (OpenLineage emission) builds on the same records.
 */
package dev.weft.sink;
