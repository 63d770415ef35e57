package dev.weft.tests;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.weft.embedded.Ports;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * A three-node KRaft cluster in containers, for tests that kill, restart and pause brokers.
 *
 * <p>Testcontainers' {@link KafkaContainer} is single-node: it points the controller quorum at {@code localhost}. Each
 * node here is a KafkaContainer whose quorum is the three nodes instead, every node a combined broker and controller
 * ({@code controller.quorum.voters=1@kafka-1:9094,2@kafka-2:9094,3@kafka-3:9094}), so losing any one node leaves a
 * quorum of two: the cluster elects a new controller and new partition leaders and goes on. The nodes talk to each
 * other over a Docker bridge network by alias ({@code kafka-N}, also the container's host name, which KafkaContainer
 * advertises for the inter-broker listener on 9093). The test JVM reaches each node's client listener (9092) through
 * a port published on 127.0.0.1.
 *
 * <p>That host port is fixed, picked free before the start, rather than Docker's random one: a container started again
 * after a kill gets a new random port, while the broker still advertises the old one (KafkaContainer writes the
 * advertised listener into the container once, at the first start), and clients would never find it again. With a
 * fixed port the restarted broker is where it was, with the same identity and data (the container's filesystem
 * survives the kill; the image's entry script formats the storage only once).
 *
 * <p>Replication is set for failures: every topic gets three replicas by default and {@code min.insync.replicas=2},
 * the consumer offsets and transaction state logs too. An acknowledged write ({@code acks=all}) is then on at least two
 * brokers, and with one broker down every partition still takes writes.
 */
final class KafkaCluster implements AutoCloseable {
  /** Built by tests/docker/build-kafka-image.sh from the root POM's kafka.version. */
  static final String IMAGE = "weft-test/kafka:" + System.getProperty("weft.kafka.version", "4.1.0");
  static final int NODES = 3;

  private final Network network = Network.newNetwork();
  private final List<Broker> brokers = new ArrayList<>();
  private final Admin admin;

  private KafkaCluster(Duration startTimeout) {
    requireImage();
    String voters = IntStream.rangeClosed(1, NODES).mapToObj(n -> n + "@" + alias(n) + ":9094")
        .collect(Collectors.joining(","));
    for (int n = 1; n <= NODES; n++) brokers.add(new Broker(n, Ports.free(), voters, network, startTimeout));
    try {
      // In parallel: a node reports RUNNING only once a quorum of controllers answers, so one at a time would hang.
      Startables.deepStart(brokers).join();
    } catch (RuntimeException e) {
      close();
      throw new IllegalStateException("the " + NODES + "-node Kafka cluster did not start from " + IMAGE, e);
    }
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    // A request to a paused broker is answered by nobody; give up on it soon and ask another node, so the test's
    // waits see the cluster's view while one node hangs.
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
    admin = Admin.create(p);
  }

  static KafkaCluster start(Duration startTimeout) {
    return new KafkaCluster(startTimeout);
  }

  String bootstrapServers() {
    return brokers.stream().map(b -> "localhost:" + b.hostPort).collect(Collectors.joining(","));
  }

  Admin admin() {
    return admin;
  }

  /** Creates topics with three replicas (and the cluster's min.insync.replicas=2), and waits until all see them. */
  void createTopics(Collection<String> names, int partitions) throws Exception {
    List<NewTopic> topics = names.stream().map(n -> new NewTopic(n, partitions, (short) NODES)
        .configs(Map.of("min.insync.replicas", "2"))).toList();
    admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
    Conditions.await(Duration.ofSeconds(60), "topics " + names + " fully replicated", () -> underReplicated(names).isEmpty());
  }

  /** Partition → leader node id (-1 when none) of the given topics. */
  Map<String, Integer> leaders(Collection<String> topics) throws Exception {
    Map<String, Integer> out = new TreeMap<>();
    for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
      for (TopicPartitionInfo p : d.partitions()) {
        out.put(d.name() + "-" + p.partition(), p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id());
      }
    }
    return out;
  }

  /** Partitions of the given topics (all topics when empty) whose in-sync replicas are fewer than three. */
  List<String> underReplicated(Collection<String> topics) throws Exception {
    Collection<String> names = topics.isEmpty() ? admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions()
        .listInternal(true)).names().get(30, TimeUnit.SECONDS) : topics;
    List<String> out = new ArrayList<>();
    for (TopicDescription d : admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
      for (TopicPartitionInfo p : d.partitions()) {
        if (p.isr().size() < p.replicas().size()) out.add(d.name() + "-" + p.partition() + " isr " + ids(p.isr()));
      }
    }
    return out;
  }

  Set<Integer> liveNodes() throws Exception {
    return admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream().map(Node::id).collect(Collectors.toSet());
  }

  /** The node that leads the KRaft controller quorum. */
  int activeController() throws Exception {
    return admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
  }

  /** SIGKILL to the node's container: the broker dies with no shutdown, as in a crash or an OOM kill. */
  void kill(int node) {
    docker().killContainerCmd(broker(node).getContainerId()).withSignal("KILL").exec();
  }

  /** Starts a killed node's container again: same data, same id, same advertised address. */
  void restart(int node) {
    docker().startContainerCmd(broker(node).getContainerId()).exec();
  }

  /** Freezes every process of the node (cgroup freezer): connections stay open and nothing answers, as in a long GC. */
  void pause(int node) {
    docker().pauseContainerCmd(broker(node).getContainerId()).exec();
  }

  void unpause(int node) {
    docker().unpauseContainerCmd(broker(node).getContainerId()).exec();
  }

  private Broker broker(int node) {
    return brokers.get(node - 1);
  }

  private static DockerClient docker() {
    return DockerClientFactory.instance().client();
  }

  /** A missing image fails the test with what to run, instead of Testcontainers trying a registry it cannot reach. */
  private static void requireImage() {
    try {
      docker().inspectImageCmd(IMAGE).exec();
    } catch (NotFoundException e) {
      throw new IllegalStateException("the Docker image " + IMAGE + " is missing: run tests/docker/ensure-docker.sh as "
          + "root (it builds it with tests/docker/build-kafka-image.sh)", e);
    }
  }

  private static String alias(int node) {
    return "kafka-" + node;
  }

  private static String ids(List<Node> nodes) {
    return nodes.stream().map(n -> String.valueOf(n.id())).collect(Collectors.joining(",", "[", "]"));
  }

  @Override
  public void close() {
    if (admin != null) admin.close(Duration.ofSeconds(5));
    for (Broker b : brokers) {
      try {
        b.stop();
      } catch (RuntimeException e) {
        System.err.println("kafka cluster: stopping node " + b.node + " failed: " + e);
      }
    }
    network.close();
  }

  /** One combined broker and controller of the cluster. */
  private static final class Broker extends KafkaContainer {
    final int node;
    final int hostPort;
    private final String voters;

    Broker(int node, int hostPort, String voters, Network network, Duration startTimeout) {
      super(DockerImageName.parse(IMAGE).asCompatibleSubstituteFor("apache/kafka"));
      this.node = node;
      this.hostPort = hostPort;
      this.voters = voters;
      withNetwork(network);
      withNetworkAliases(alias(node));
      withCreateContainerCmdModifier(c -> c.withHostName(alias(node)).withName("weft-broker-test-" + alias(node) + "-"
          + ProcessHandle.current().pid()));
      setPortBindings(List.of("127.0.0.1:" + hostPort + ":9092"));
      Map<String, String> env = new HashMap<>();
      env.put("KAFKA_NODE_ID", String.valueOf(node));
      env.put("KAFKA_DEFAULT_REPLICATION_FACTOR", "3");
      env.put("KAFKA_MIN_INSYNC_REPLICAS", "2");
      env.put("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3");
      env.put("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "3");
      env.put("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "2");
      // Fewer partitions than the 50 defaults: three JVMs share two cores, and each partition is three replicas.
      env.put("KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS", "6");
      env.put("KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS", "6");
      env.put("KAFKA_HEAP_OPTS", "-Xmx512m -Xms128m");
      // A transaction past its timeout is aborted within a second rather than within ten (the default sweep), so a
      // hang a few seconds longer than an executor's transaction timeout is sure to have aborted its open transaction.
      env.put("KAFKA_TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS", "1000");
      withEnv(env);
      waitingFor(Wait.forLogMessage(".*Transitioning from RECOVERY to RUNNING.*", 1).withStartupTimeout(startTimeout));
    }

    @Override
    protected void configure() {
      super.configure();
      // KafkaContainer.configure() makes the node a quorum of one ("N@localhost:9094"); this cluster's quorum is all
      // three nodes.
      withEnv("KAFKA_CONTROLLER_QUORUM_VOTERS", voters);
    }

    // GenericContainer is Lombok @Data: equality over every (mutable) field. Startables.deepStart keys a HashMap by
    // container while they start; identity keeps three nodes three keys.
    @Override
    public boolean equals(Object o) {
      return this == o;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(this);
    }
  }
}
