package dev.weft.embedded;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;

/**
 * The broker in this JVM: Kafka's own {@link KafkaRaftServer}, as {@code kafka.Kafka} runs it, on the same
 * {@code server.properties}. For a stack that lives and dies with one command ({@code weft run}): no second JVM to
 * start, and the client classes the command loads anyway serve the broker too.
 *
 * <p>Its logging is this JVM's: the caller keeps Kafka's loggers quiet. A fatal broker error halts this JVM (Kafka's
 * {@code Exit.halt}), which a child JVM would have survived; that is why the long-lived stacks keep the child.
 */
final class InProcessBroker implements RunningBroker {
  private final KafkaRaftServer server;
  private volatile boolean alive = true;

  private InProcessBroker(KafkaRaftServer server) {
    this.server = server;
  }

  /** Formats {@code logDir} if it is new, then starts the broker and its controller; returns once both started. */
  static InProcessBroker start(Path serverProps, Path logDir, String clusterId) {
    FormattingBroker.formatIfNew(serverProps, logDir, clusterId);
    KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(load(serverProps), false), Time.SYSTEM);
    try {
      server.startup();
    } catch (RuntimeException e) {
      shutDown(server);
      throw new IllegalStateException("the in-process Kafka broker on " + logDir + " did not start: " + e, e);
    }
    return new InProcessBroker(server);
  }

  private static Properties load(Path serverProps) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(serverProps, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + serverProps, e);
    }
    return p;
  }

  @Override
  public boolean isAlive() {
    return alive;
  }

  @Override
  public void stop(long graceMs) {
    if (!alive) return;
    alive = false;
    shutDown(server);
  }

  @Override
  public void kill() {
    stop(0);
  }

  private static void shutDown(KafkaRaftServer server) {
    server.shutdown();
    server.awaitShutdown();
  }

  @Override
  public String diagnostics(int lines) {
    return "the broker runs in this process; its errors are in this process's log";
  }
}
