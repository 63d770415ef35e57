package dev.weft.executor;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.weft.avro.CommandKind;
import dev.weft.avro.FailureKind;
import dev.weft.avro.TaskCommand;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptRequest;
import dev.weft.spec.SpecJson;
import dev.weft.spec.TaskSpec;
import dev.weft.topics.DeadLetterHeaders;
import dev.weft.topics.DeadLetterReason;
import java.io.IOException;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what one poll of {@code commands.<executor>} means, and returns it as a {@link CommandPlan}: the records to
 * send in the poll's transaction, the attempts to launch once it committed, the attempts to stop, the offsets to
 * commit and the records to read again. Like the coordinator's deciders it reads state through a read-only view
 * ({@link RunningAttemptsView}) and writes nothing: no Kafka client, no backend, no attempt table. Its only
 * questions to the outside are the decoder's (the schema registry, cached) and the output checker's.
 *
 * <p>Records are read in order, per partition: the first record that cannot be handled now (a RUN while every slot is
 * taken, any record while the schema registry does not answer) and everything after it on its partition are read
 * again, so a CANCEL never overtakes its RUN. A CANCEL queued behind a RUN that waits for a slot is therefore read
 * only when a slot frees; the attempt's local timeout still applies meanwhile.
 *
 * <p>A RUN gets exactly one of: ignored (an attempt already seen: a coordinator that re-emitted it), SKIPPED (its
 * output exists), FAILED/INVALID_SPEC (no spec, a spec that does not parse, an output scheme no checker knows; not
 * retried), FAILED/OTHER (the output could not be checked; retried while attempts are left), or STARTED and a launch.
 * A CANCEL stops an attempt running here, drops a launch decided in the same poll (STARTED then CANCELLED, never
 * launched), or asks the backend to stop work nobody here watches. A record that does not decode is dead-lettered.
 */
final class CommandHandler {
  /** Heartbeat interval when a RUN carries none (and of adopted attempts, whose RUN is not known any more). */
  static final long DEFAULT_HEARTBEAT_MS = 5_000;
  /** How long nothing is decoded once the schema registry did not answer. */
  static final Duration REGISTRY_RETRY = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(CommandHandler.class);

  private final CommandDecoder decoder;
  private final OutputChecker outputs;
  private final AttemptEvents events;
  private final int maxConcurrent;
  private final String deadLetterTopic;
  /** The dead-letter reporter header: {@code executor/<backend>/<instance>}. */
  private final String reporter;
  /** The executor's transactional id, for logs. */
  private final String name;

  CommandHandler(CommandDecoder decoder, OutputChecker outputs, AttemptEvents events, int maxConcurrent,
      String deadLetterTopic, String reporter, String name) {
    this.decoder = decoder;
    this.outputs = outputs;
    this.events = events;
    this.maxConcurrent = maxConcurrent;
    this.deadLetterTopic = deadLetterTopic;
    this.reporter = reporter;
    this.name = name;
  }

  /**
   * @param records         one poll's records, in the order the consumer returned them
   * @param attempts        what runs here and what was seen; read, never written
   * @param registryRetryAt until when nothing is decoded (the schema registry did not answer); 0 when it did
   * @param now             the stamp of the events decided
   * @return the plan for this poll; the loop carries it out
   */
  CommandPlan handle(Iterable<ConsumerRecord<byte[], byte[]>> records, RunningAttemptsView attempts,
      long registryRetryAt, long now) {
    CommandPlan.Builder plan = new CommandPlan.Builder(registryRetryAt);
    for (ConsumerRecord<byte[], byte[]> r : records) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      if (plan.readAgainFrom.containsKey(tp)) continue;
      boolean handled;
      try {
        handled = handle(r, attempts, plan, now);
      } catch (RuntimeException e) {
        // A bug or an unexpected input in one record must not stop the loop for every other one.
        log.error("executor {}: cannot handle {}-{}@{}: {}", name, r.topic(), r.partition(), r.offset(), e.toString(), e);
        deadLetter(r, plan, DeadLetterReason.INTERNAL_ERROR, "executor error: " + e);
        handled = true;
      }
      if (!handled) {
        plan.readAgainFrom.put(tp, r.offset());
        continue;
      }
      plan.firstOffsets.putIfAbsent(tp, r.offset());
      plan.commitUpTo.put(tp, r.offset() + 1);
    }
    return plan.build();
  }

  /** @return false when the record cannot be handled now and must be read again */
  private boolean handle(ConsumerRecord<byte[], byte[]> r, RunningAttemptsView attempts, CommandPlan.Builder plan,
      long now) {
    if (now < plan.registryRetryAt) return false;
    CommandDecoder.Result decoded = decoder.decode(r);
    if (decoded instanceof CommandDecoder.Bad bad) {
      plan.commands++;
      log.warn("executor {}: {}-{}@{} dead-lettered: {}", name, r.topic(), r.partition(), r.offset(), bad.reason());
      deadLetter(r, plan, bad.category(), bad.reason());
      return true;
    }
    if (decoded instanceof CommandDecoder.RegistryUnavailable down) {
      // The record may be fine: neither run nor dead-letter it, read it again once the registry may be back.
      plan.registryWaits++;
      plan.registryRetryAt = now + REGISTRY_RETRY.toMillis();
      log.warn("executor {}: cannot decode {}-{}@{} while the schema registry does not answer; reading it again in {}: {}",
          name, r.topic(), r.partition(), r.offset(), REGISTRY_RETRY, down.reason());
      return false;
    }
    TaskCommand command = ((CommandDecoder.Command) decoded).command();
    AttemptId id = new AttemptId(command.getRunId(), command.getTaskId(), command.getAttempt());
    if (command.getKind() == CommandKind.CANCEL) {
      plan.commands++;
      cancel(id, command.getReason() == null ? "cancelled" : command.getReason(), attempts, plan, now);
      return true;
    }
    return run(id, command, attempts, plan, now);
  }

  private boolean run(AttemptId id, TaskCommand command, RunningAttemptsView attempts, CommandPlan.Builder plan,
      long now) {
    if (attempts.seen(id) || plan.seen.contains(id)) {
      plan.commands++;
      plan.duplicates++;
      log.info("executor {}: ignoring RUN for attempt {}: already seen by this instance", name, id);
      return true;
    }
    if (command.getTaskSpecJson() == null) {
      return refuse(id, plan, now, "RUN command for " + id + " carries no taskSpecJson");
    }
    TaskSpec spec;
    try {
      spec = SpecJson.MAPPER.readValue(command.getTaskSpecJson(), TaskSpec.class);
    } catch (JsonProcessingException e) {
      return refuse(id, plan, now, "the task spec of " + id + " does not parse: " + e.getOriginalMessage());
    }
    String output = spec.output();
    if (output != null && !output.isBlank()) {
      try {
        if (outputs.exists(output)) {
          plan.commands++;
          plan.skipped++;
          plan.seen.add(id);
          plan.event(events.skipped(id, now, "output " + output + " exists"));
          return true;
        }
      } catch (OutputChecker.UnsupportedOutputException e) {
        return refuse(id, plan, now, e.getMessage());
      } catch (IOException e) {
        plan.commands++;
        plan.seen.add(id);
        // Luigi fails a task whose complete() raises: an output that cannot be seen is neither known present (SKIPPED
        // could leave it missing) nor absent (running could overwrite it). OTHER is retried while attempts are left.
        // A checker's message may name the target itself (the S3 checker's does): once is enough.
        String why = e.getMessage() != null && e.getMessage().startsWith(output + ": ") ? e.getMessage()
            : output + ": " + e.getMessage();
        plan.event(events.failed(id, now, FailureKind.OTHER, null, "cannot check output " + why, null).build());
        return true;
      }
    }
    if (attempts.size() + plan.launches.size() >= maxConcurrent) return false;
    plan.commands++;
    plan.seen.add(id);
    Duration timeout = command.getTimeoutMs() > 0 ? Duration.ofMillis(command.getTimeoutMs()) : null;
    long heartbeat = command.getHeartbeatIntervalMs() > 0 ? command.getHeartbeatIntervalMs() : DEFAULT_HEARTBEAT_MS;
    plan.event(events.started(id, now));
    plan.launches.put(id, new CommandPlan.Launch(new AttemptRequest(id, command.getPipeline(), spec, timeout), heartbeat,
        AttemptLeases.heartbeatTimeoutMs(command, heartbeat), now));
    return true;
  }

  /** A RUN that can never run as sent: FAILED/INVALID_SPEC, which the coordinator does not retry. */
  private boolean refuse(AttemptId id, CommandPlan.Builder plan, long now, String reason) {
    plan.commands++;
    plan.invalidSpecs++;
    plan.seen.add(id);
    log.info("executor {}: attempt {} failed with INVALID_SPEC: {}", name, id, reason);
    plan.event(events.failed(id, now, FailureKind.INVALID_SPEC, null, reason, null).build());
    return true;
  }

  private void cancel(AttemptId id, String reason, RunningAttemptsView attempts, CommandPlan.Builder plan, long now) {
    if (attempts.holds(id)) {
      if (!attempts.stopping(id) && plan.cancelled.add(id)) {
        plan.cancelCount++;
        // One still launching is stopped as soon as its launch returns (SignalApplier).
        plan.cancels.add(new CommandPlan.Stop(id, reason));
      }
      return;
    }
    if (plan.launches.remove(id) != null) {
      // RUN and CANCEL in the same poll: STARTED is already in this transaction, so report the cancel right after it
      // and never launch.
      plan.cancelCount++;
      plan.event(events.cancelled(id, now, reason));
      return;
    }
    plan.unknownCancels++;
    log.info("executor {}: CANCEL for attempt {}, which does not run on this instance; asking the backend to stop it "
        + "in case its executor is gone", name, id);
    // Work whose executor died for good (a container) is found and stopped by the backend; the coordinator sent this
    // CANCEL when it presumed the attempt lost.
    plan.unwatchedStops.add(new CommandPlan.Stop(id, reason));
  }

  private void deadLetter(ConsumerRecord<byte[], byte[]> r, CommandPlan.Builder plan, DeadLetterReason category,
      String reason) {
    plan.records.add(Outgoing.deadLetter(deadLetterTopic, r.key(), r.value(),
        DeadLetterHeaders.of(r.headers(), reason, r.topic(), r.partition(), r.offset(), reporter), category));
  }
}
