package dev.weft.executor;

import java.util.concurrent.atomic.AtomicLong;

/** What an executor runtime did, for tests, logs and metrics. All counters only grow. */
public final class ExecutorCounters {
  final AtomicLong commands = new AtomicLong();
  final AtomicLong launched = new AtomicLong();
  final AtomicLong adopted = new AtomicLong();
  final AtomicLong skipped = new AtomicLong();
  final AtomicLong duplicates = new AtomicLong();
  final AtomicLong deadLettered = new AtomicLong();
  final AtomicLong invalidSpecs = new AtomicLong();
  final AtomicLong launchFailures = new AtomicLong();
  final AtomicLong cancels = new AtomicLong();
  final AtomicLong unknownCancels = new AtomicLong();
  final AtomicLong timeouts = new AtomicLong();
  final AtomicLong events = new AtomicLong();
  final AtomicLong transactions = new AtomicLong();
  final AtomicLong abortedTransactions = new AtomicLong();
  /** Producers replaced after an error state or a commit of unknown outcome. */
  final AtomicLong producersRenewed = new AtomicLong();
  final AtomicLong fenced = new AtomicLong();
  final AtomicLong registryWaits = new AtomicLong();
  final AtomicLong unwatchedStops = new AtomicLong();

  /** Commands read (RUN, CANCEL, and records that did not decode). */
  public long commands() {
    return commands.get();
  }

  /** Attempts handed to the backend's launch (successful or not). */
  public long launched() {
    return launched.get();
  }

  /** Attempts re-attached after a restart. */
  public long adopted() {
    return adopted.get();
  }

  /** RUNs whose output already existed. */
  public long skipped() {
    return skipped.get();
  }

  /** RUNs for an attempt this instance had already seen: ignored. */
  public long duplicates() {
    return duplicates.get();
  }

  /** Records sent to the dead-letter topic. */
  public long deadLettered() {
    return deadLettered.get();
  }

  /** RUNs whose task spec did not parse or was refused: reported FAILED with INVALID_SPEC. */
  public long invalidSpecs() {
    return invalidSpecs.get();
  }

  /** Launches that threw LaunchException. */
  public long launchFailures() {
    return launchFailures.get();
  }

  /** CANCELs for attempts running here. */
  public long cancels() {
    return cancels.get();
  }

  /** CANCELs for attempts not running here: ignored. */
  public long unknownCancels() {
    return unknownCancels.get();
  }

  /** Attempts cancelled because their timeout passed. */
  public long timeouts() {
    return timeouts.get();
  }

  /** Task events published (committed). */
  public long events() {
    return events.get();
  }

  /** Committed transactions. */
  public long transactions() {
    return transactions.get();
  }

  /** Aborted transactions (their commands are read again). */
  public long producersRenewed() {
    return producersRenewed.get();
  }

  public long abortedTransactions() {
    return abortedTransactions.get();
  }

  /** Attempts stopped because their lease ran out: no heartbeat of theirs committed in time (see AttemptLeases). */
  public long fenced() {
    return fenced.get();
  }

  /** CANCELs for attempts not running here whose work the backend found and stopped (a dead executor's container). */
  public long unwatchedStops() {
    return unwatchedStops.get();
  }

  /** Times a command could not be decoded because the schema registry did not answer: read again later. */
  public long registryWaits() {
    return registryWaits.get();
  }

  @Override
  public String toString() {
    return "commands=" + commands + " launched=" + launched + " adopted=" + adopted + " skipped=" + skipped
        + " duplicates=" + duplicates + " deadLettered=" + deadLettered + " invalidSpecs=" + invalidSpecs
        + " launchFailures=" + launchFailures + " cancels=" + cancels + " unknownCancels=" + unknownCancels
        + " timeouts=" + timeouts + " events=" + events + " transactions=" + transactions
        + " abortedTransactions=" + abortedTransactions + " fenced=" + fenced + " registryWaits=" + registryWaits + " unwatchedStops=" + unwatchedStops;
  }
}
