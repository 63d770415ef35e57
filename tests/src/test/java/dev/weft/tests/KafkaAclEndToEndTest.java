package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.embedded.EmbeddedKafka;
import dev.weft.embedded.EmbeddedRegistry;
import dev.weft.topics.DeadLetterHeaders;
import dev.weft.topics.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 17, access control: {@code deploy/kafka-acls/apply-acls.sh} grants each service principal what it needs, and
 * nothing more. A real KRaft broker takes only SASL/PLAIN on loopback, with Kafka's {@code StandardAuthorizer},
 * {@code admin} as the only super user and {@code allow.everyone.if.no.acl.found=false}; the script runs for real
 * through Kafka's own {@code AclCommand} (what {@code kafka-acls.sh} runs), twice, as the admin. Then:
 * <ol>
 *   <li>enough: a whole run succeeds with the coordinator, a process executor and the completion sink each its own
 *       JVM and its own principal ({@code --kafka-config}), submitted by {@code weft submit --wait} as the submitter;
 *       the sink writes its history, the coordinator sees the executor group's members, and the broker denied none
 *       of them anything;</li>
 *   <li>refused: the submitter cannot read commands, join an executor's group or write task events; an executor cannot
 *       write requests or use the coordinator's transactional ids;</li>
 *   <li>no more: what the broker says each principal may do on every topic, group and the cluster is exactly the
 *       documented set (docs/kafka-acls.md).</li>
 * </ol>
 * Under a topic prefix and an application id of its own, so the script's handling of both is what is tested.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaAclEndToEndTest {
  static final String PREFIX = "acl.";
  static final String APPLICATION_ID = "acl-coordinator";
  static final Topics TOPICS = new Topics(PREFIX);
  static final String EXECUTOR_GROUP = TOPICS.executorGroupOf("process");
  static final String SINK_GROUP = PREFIX + "completion-sink";
  static final List<String> USERS = List.of("admin", "coordinator", "executor", "sink", "submitter");
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);
  static final Pattern DENIED = Pattern.compile("Principal = (User:\\S+) is Denied operation = (\\S+) .*? on resource "
      + "= (\\S+)");

  static Path dir;
  static EmbeddedKafka kafka;
  static EmbeddedRegistry registry;
  static final List<ServiceProcess> services = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createDirectories(Path.of("target", "kafka-acl-" + ProcessHandle.current().pid())).toAbsolutePath();
    CompletableFuture<EmbeddedRegistry> starting = CompletableFuture.supplyAsync(
        () -> EmbeddedRegistry.start(dir.resolve("registry"), 0));
    kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0, saslWithAcls());
    registry = starting.join();
    kafka.createTopics(TOPICS.all(List.of("process", "noop")), 2);
    for (String user : USERS) {
      Files.writeString(clientConfig(user), String.join("\n", "security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN",
          "sasl.jaas.config=" + jaas(user), ""), StandardCharsets.UTF_8);
    }
  }

  @AfterAll
  static void stop() {
    services.forEach(ServiceProcess::stopQuietly);
    if (registry != null) registry.close();
    if (kafka != null) kafka.close();
  }

  @Test
  @Order(1)
  void shouldGrantTheSameAclsWhenTheScriptRunsAgain() throws Exception {
    String first = applyAcls("--topic-prefix", PREFIX, "--application-id", APPLICATION_ID,
        "--coordinator", "User:coordinator", "--executor", "process=User:executor", "--sink", "sink",
        "--submitter", "User:submitter");
    Set<AclBinding> granted = acls();
    String again = applyAcls("--topic-prefix", PREFIX, "--application-id", APPLICATION_ID,
        "--coordinator", "User:coordinator", "--executor", "process=User:executor", "--sink", "sink",
        "--submitter", "User:submitter");

    assertThat(first).contains("apply-acls: executor process: allow Read on topic acl.commands.process group "
        + EXECUTOR_GROUP + " (literal)");
    assertThat(acls()).isEqualTo(granted);
    assertThat(again).contains("apply-acls: submitters: allow Write on topic acl.pipeline-requests (literal)");
    // Every binding allows, for one of the four principals, from any host: nothing for anyone else, nothing denied.
    assertThat(granted).allSatisfy(b -> {
      assertThat(b.entry().principal()).isIn("User:coordinator", "User:executor", "User:sink", "User:submitter");
      assertThat(b.entry().host()).isEqualTo("*");
      assertThat(b.entry().permissionType().name()).isEqualTo("ALLOW");
    });
  }

  @Test
  @Order(2)
  void shouldNameWeftsOwnGroupsUnderTheDefaultPrefix() throws Exception {
    String dry = applyAcls("--dry-run", "--coordinator", "coordinator", "--executor", "container=User:containers",
        "--sink", "sink", "--submitter", "alice");

    assertThat(dry).contains(
        "--resource-pattern-type literal --operation Read --topic weft.commands.container --group weft-executor-container",
        "--resource-pattern-type prefixed --operation Write --transactional-id weft-executor-container-",
        "--resource-pattern-type literal --operation Read --topic weft.run-events --group weft-completion-sink",
        "--resource-pattern-type prefixed --operation Read --group weft-coordinator",
        "--allow-principal User:alice");
  }

  @Test
  @Order(3)
  void shouldRunAPipelineWithEachServiceAsItsOwnPrincipal() throws Exception {
    Path work = Files.createDirectories(dir.resolve("work"));
    Path history = dir.resolve("history");
    ServiceProcess coordinator = coordinator("c1");
    ServiceProcess executor = service("executor-process", "executor", List.of("executor", "process", "--instance-id",
        "p1", "--state-dir", dir.resolve("p1").toString(), "--workdir", work.toString()));
    ServiceProcess sink = service("sink", "sink", List.of("sink", "--instance-id", "s1", "--history",
        history.toString(), "--lineage", "off"));
    int apiPort = apiPort(coordinator);
    executor.awaitLine(Pattern.compile("executor \\S+ running in group " + Pattern.quote(EXECUTOR_GROUP)),
        ProcessWeft.READY_TIMEOUT);
    sink.awaitLine(Pattern.compile("completion sink running in group " + Pattern.quote(SINK_GROUP)),
        ProcessWeft.READY_TIMEOUT);
    // The coordinator's CommandBacklog reads the group's members with the admin API every 5 s.
    Conditions.await(Duration.ofSeconds(60), Duration.ofMillis(500), "the coordinator sees one member in "
        + EXECUTOR_GROUP, () -> Pattern.compile("(?m)^weft_executor_group_members\\{[^}]*executor=\"process\"[^}]*\\} 1\\.0$")
        .matcher(get("http://127.0.0.1:" + apiPort + "/metrics")).find());

    // extract fails once: its retry is a RETRY_DUE the coordinator writes back to task-events.
    Path pipeline = dir.resolve("pipeline.yaml");
    Files.writeString(pipeline, """
        pipeline: acl-daily
        tasks:
          - id: extract
            executor: process
            retry: {maxAttempts: 2, backoff: 1s}
            process:
              argv: ["sh", "-c", "if [ ! -f %1$s/tried ]; then touch %1$s/tried; exit 1; fi; echo 'order,1' > %1$s/orders.csv"]
          - id: count
            dependsOn: [extract]
            executor: process
            process:
              argv: ["sh", "-c", "wc -l < %1$s/orders.csv > %1$s/count.txt"]
        """.formatted(work), StandardCharsets.UTF_8);
    WeftCli.Result submitted = submitter("submit", pipeline.toString(), "--wait");

    assertThat(submitted.exit()).as("weft submit --wait as the submitter:\n" + submitted.stderr() + submitted.stdout())
        .isZero();
    // It could ask whether the executor group has members (a warning otherwise), and it has one.
    assertThat(submitted.stderr()).doesNotContain("could not check").doesNotContain("warning")
        .contains("extract SUCCEEDED (attempt 2)");
    assertThat(Files.readString(work.resolve("count.txt")).strip()).isEqualTo("1");
    Matcher id = Pattern.compile("submitted run (\\S+);").matcher(submitted.stderr());
    assertThat(id.find()).isTrue();
    String runId = id.group(1);

    // A rerun: the coordinator writes the new run's SUBMIT to pipeline-requests itself.
    WeftCli.Result rerun = submitter("rerun", runId, "--task", "count", "--wait");
    assertThat(rerun.exit()).as("weft rerun --wait as the submitter:\n" + rerun.stderr() + rerun.stdout()).isZero();

    Conditions.await(Duration.ofSeconds(60), Duration.ofMillis(200), "the sink's history of run " + runId, () -> {
      try (Stream<Path> files = Files.walk(history)) {
        return files.anyMatch(f -> f.endsWith(Path.of(runId, "run.json")));
      }
    });

    // Garbage on each service's input: each dead-letters it as its own principal.
    for (String topic : List.of(TOPICS.requests(), TOPICS.commands("process"), TOPICS.runEvents())) {
      produceAsAdmin(topic, "garbage", "not avro");
    }
    Conditions.await(Duration.ofSeconds(60), Duration.ofMillis(500), "dead letters of the coordinator, the executor and"
        + " the sink", () -> deadLetterReporters().containsAll(List.of("coordinator", "executor/process/p1",
            "completion-sink/s1")));

    for (ServiceProcess p : List.of(executor, sink, coordinator)) p.terminate(Duration.ofSeconds(30));

    // A new instance with empty stores restores them from the changelogs, and knows the run.
    ServiceProcess restored = coordinator("c2");
    HttpResponse<String> run = http().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort(restored)
        + "/api/runs/" + runId)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
    assertThat(run.body()).contains("SUCCEEDED");
    restored.terminate(Duration.ofSeconds(30));

    // The broker refused none of them anything, not even a call whose failure a service only logs at debug.
    assertThat(denials()).as("denied by the broker while the services ran").isEmpty();
  }

  @Test
  @Order(4)
  void shouldRefuseTheSubmitterCommandsAndTaskEventsAndAnExecutorRequests() throws Exception {
    Throwable readCommands = firstError("submitter", null, TOPICS.commands("process"));
    assertThat(readCommands).isInstanceOf(TopicAuthorizationException.class);
    assertThat(((TopicAuthorizationException) readCommands).unauthorizedTopics())
        .containsExactly(TOPICS.commands("process"));

    // On a topic it may read, so that the group is what stops it: it cannot take the executors' place in their group.
    Throwable joinExecutors = firstError("submitter", EXECUTOR_GROUP, TOPICS.runEvents());
    assertThat(joinExecutors).isInstanceOf(GroupAuthorizationException.class)
        .hasMessageContaining(EXECUTOR_GROUP);

    Throwable writeTaskEvents = sendError("submitter", TOPICS.taskEvents());
    assertThat(writeTaskEvents).isInstanceOf(TopicAuthorizationException.class);
    assertThat(((TopicAuthorizationException) writeTaskEvents).unauthorizedTopics())
        .containsExactly(TOPICS.taskEvents());

    Throwable writeRequests = sendError("executor", TOPICS.requests());
    assertThat(writeRequests).isInstanceOf(TopicAuthorizationException.class);
    assertThat(((TopicAuthorizationException) writeRequests).unauthorizedTopics()).containsExactly(TOPICS.requests());

    // An executor that took the coordinator's transactional id would fence it.
    Map<String, Object> p = new HashMap<>(sasl("executor"));
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, APPLICATION_ID + "-impostor-1");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      Throwable fence = catching(producer::initTransactions);
      assertThat(fence).isInstanceOf(TransactionalIdAuthorizationException.class);
    }
  }

  @Test
  @Order(5)
  void shouldAllowEachPrincipalExactlyItsOperations() throws Exception {
    Set<AclOperation> read = EnumSet.of(AclOperation.READ, AclOperation.DESCRIBE);
    Set<AclOperation> write = EnumSet.of(AclOperation.WRITE, AclOperation.DESCRIBE);
    Set<AclOperation> readWrite = EnumSet.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);
    Set<AclOperation> describe = EnumSet.of(AclOperation.DESCRIBE);
    Set<AclOperation> none = EnumSet.noneOf(AclOperation.class);
    List<String> changelogs = kafka.listTopics().stream().filter(t -> t.startsWith(APPLICATION_ID + "-")).sorted()
        .toList();
    assertThat(changelogs).as("the coordinator's internal topics").isNotEmpty();

    Map<String, Set<AclOperation>> coordinator = new TreeMap<>(Map.of(TOPICS.requests(), readWrite,
        TOPICS.taskEvents(), readWrite, TOPICS.runEvents(), write, TOPICS.deadLetter(), write,
        TOPICS.commands("process"), write, TOPICS.commands("noop"), write));
    changelogs.forEach(t -> coordinator.put(t, EnumSet.of(AclOperation.CREATE, AclOperation.READ, AclOperation.WRITE,
        AclOperation.DESCRIBE)));
    Map<String, Set<AclOperation>> executor = allTopics(changelogs, none);
    executor.putAll(Map.of(TOPICS.commands("process"), read, TOPICS.taskEvents(), write, TOPICS.deadLetter(), write));
    Map<String, Set<AclOperation>> sink = allTopics(changelogs, none);
    sink.putAll(Map.of(TOPICS.runEvents(), read, TOPICS.deadLetter(), write));
    Map<String, Set<AclOperation>> submitter = allTopics(changelogs, none);
    submitter.putAll(Map.of(TOPICS.requests(), write, TOPICS.runEvents(), read));

    assertThat(topicOperations("coordinator", coordinator.keySet())).isEqualTo(coordinator);
    assertThat(topicOperations("executor", executor.keySet())).isEqualTo(executor);
    assertThat(topicOperations("sink", sink.keySet())).isEqualTo(sink);
    assertThat(topicOperations("submitter", submitter.keySet())).isEqualTo(submitter);

    List<String> groups = List.of(APPLICATION_ID, EXECUTOR_GROUP, SINK_GROUP);
    assertThat(groupOperations("coordinator", groups)).isEqualTo(Map.of(APPLICATION_ID, read, EXECUTOR_GROUP, describe,
        SINK_GROUP, none));
    assertThat(groupOperations("executor", groups)).isEqualTo(Map.of(APPLICATION_ID, none, EXECUTOR_GROUP, read,
        SINK_GROUP, none));
    assertThat(groupOperations("sink", groups)).isEqualTo(Map.of(APPLICATION_ID, none, EXECUTOR_GROUP, none,
        SINK_GROUP, read));
    assertThat(groupOperations("submitter", groups)).isEqualTo(Map.of(APPLICATION_ID, none, EXECUTOR_GROUP, describe,
        SINK_GROUP, none));

    for (String user : List.of("coordinator", "executor", "sink", "submitter")) {
      assertThat(clusterOperations(user)).as(user + " on the cluster").isEmpty();
    }
  }

  // --- the broker

  /** SASL/PLAIN on every listener (the controller's too), the KRaft authorizer, admin the only super user. */
  static EmbeddedKafka.Security saslWithAcls() {
    StringBuilder users = new StringBuilder();
    for (String u : USERS) users.append(" user_").append(u).append("=\"").append(password(u)).append('"');
    String plain = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\""
        + password("admin") + "\"";
    return new EmbeddedKafka.Security("SASL_PLAINTEXT", List.of(
        "listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
        "sasl.enabled.mechanisms=PLAIN",
        "sasl.mechanism.inter.broker.protocol=PLAIN",
        "sasl.mechanism.controller.protocol=PLAIN",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config=" + plain + users + ";",
        "listener.name.controller.plain.sasl.jaas.config=" + plain + " user_admin=\"" + password("admin") + "\";",
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users=User:admin",
        "allow.everyone.if.no.acl.found=false"), sasl("admin"));
  }

  static String password(String user) {
    return user + "-secret";
  }

  static String jaas(String user) {
    return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user + "\" password=\""
        + password(user) + "\";";
  }

  static Map<String, Object> sasl(String user) {
    return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config", jaas(user));
  }

  static Path clientConfig(String user) {
    return dir.resolve(user + ".properties");
  }

  /** What the broker's authorizer logged as denied, by principal: operation on resource, once each. */
  static Set<String> denials() throws Exception {
    Set<String> found = new java.util.TreeSet<>();
    for (String line : Files.readAllLines(kafka.logFile(), StandardCharsets.UTF_8)) {
      Matcher m = DENIED.matcher(line);
      if (m.find()) found.add(m.group(1) + " " + m.group(2) + " " + m.group(3));
    }
    return found;
  }

  // --- the deploy script, through Kafka's own AclCommand

  /**
   * Runs {@code deploy/kafka-acls/apply-acls.sh} as the admin against the test broker, with {@code KAFKA_HOME} a
   * directory whose {@code bin/kafka-acls.sh} runs {@code org.apache.kafka.tools.AclCommand} (kafka-tools, a test
   * dependency at the build's Kafka version), as Kafka's own script does.
   *
   * @return its output; fails the test unless it exits 0
   */
  static String applyAcls(String... options) throws Exception {
    Path home = dir.resolve("kafka-home");
    Path shim = home.resolve("bin").resolve("kafka-acls.sh");
    if (!Files.exists(shim)) {
      Files.createDirectories(shim.getParent());
      String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
      Files.writeString(shim, "#!/bin/sh\nexec '" + java + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '"
          + System.getProperty("java.class.path") + "' org.apache.kafka.tools.AclCommand \"$@\"\n");
      shim.toFile().setExecutable(true);
    }
    List<String> cmd = new ArrayList<>(List.of("bash", repository().resolve("deploy/kafka-acls/apply-acls.sh").toString(),
        "--bootstrap-server", kafka.bootstrapServers(), "--command-config", clientConfig("admin").toString()));
    cmd.addAll(List.of(options));
    Path out = Files.createTempFile(dir, "apply-acls", ".out");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("KAFKA_HOME", home.toString());
    pb.environment().remove("KAFKA_ACLS");
    Process p = pb.start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("apply-acls.sh ended").isTrue();
    String output = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("apply-acls.sh " + String.join(" ", options) + ":\n" + output).isZero();
    return output;
  }

  static Path repository() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve("deploy").resolve("kafka-acls"))) return d;
    }
    throw new IllegalStateException("no deploy/kafka-acls above " + Path.of("").toAbsolutePath());
  }

  static Set<AclBinding> acls() throws Exception {
    try (Admin admin = admin("admin")) {
      return new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS));
    }
  }

  // --- services as their own principals

  static ServiceProcess service(String name, String user, List<String> args) {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of("--bootstrap", kafka.bootstrapServers(), "--registry", registry.url(), "--topic-prefix", PREFIX,
        "--kafka-config", clientConfig(user).toString()));
    ServiceProcess p = ServiceProcess.start(name, all, dir.resolve(name + ".log"));
    services.add(p);
    return p;
  }

  static ServiceProcess coordinator(String instanceId) {
    return service("coordinator-" + instanceId, "coordinator", List.of("coordinator", "--instance-id", instanceId,
        "--state-dir", dir.resolve(instanceId).toString(), "--application-id", APPLICATION_ID, "--api-port", "0",
        "--api-host", "127.0.0.1"));
  }

  static int apiPort(ServiceProcess coordinator) throws InterruptedException {
    return Integer.parseInt(coordinator.awaitLine(Pattern.compile("coordinator \\S+ running; API on port (\\d+)"),
        ProcessWeft.READY_TIMEOUT).group(1));
  }

  /** {@code weft ARGS...} as the submitter, on this Weft. */
  static WeftCli.Result submitter(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--bootstrap", kafka.bootstrapServers(), "--registry", registry.url(), "--topic-prefix", PREFIX,
        "--kafka-config", clientConfig("submitter").toString()));
    return WeftCli.run(dir, Map.of(), all);
  }

  static void produceAsAdmin(String topic, String key, String value) throws Exception {
    Map<String, Object> p = new HashMap<>(sasl("admin"));
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
          value.getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
    }
  }

  /** Who wrote each committed dead letter so far ({@code weft.dlq.reporter}), read as the admin. */
  static Set<String> deadLetterReporters() {
    Map<String, Object> p = new HashMap<>(sasl("admin"));
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Set<String> reporters = new java.util.TreeSet<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = consumer.partitionsFor(TOPICS.deadLetter()).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          var h = r.headers().lastHeader(DeadLetterHeaders.REPORTER);
          if (h != null) reporters.add(new String(h.value(), StandardCharsets.UTF_8));
        });
      }
    }
    return reporters;
  }

  static HttpClient http() {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  }

  static String get(String url) throws Exception {
    HttpClient http = http();
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  // --- clients as one principal

  static Admin admin(String user) {
    Map<String, Object> p = new HashMap<>(sasl(user));
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    return Admin.create(p);
  }

  /**
   * Reads {@code topic} as {@code user} until the consumer fails (at most 30 s) and returns why; fails the test if it
   * never does. With a group it subscribes in that group; without one it is assigned partition 0, as WeftClient is.
   */
  static Throwable firstError(String user, String group, String topic) {
    Map<String, Object> p = new HashMap<>(sasl(user));
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    if (group != null) p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      if (group != null) consumer.subscribe(List.of(topic));
      else consumer.assign(List.of(new TopicPartition(topic, 0)));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        try {
          consumer.poll(Duration.ofMillis(200));
        } catch (RuntimeException e) {
          return e;
        }
      }
    }
    throw new AssertionError("reading " + topic + " did not fail within 30 s");
  }

  /** Sends one record to {@code topic} as {@code user} and returns why it failed; fails the test if it did not. */
  static Throwable sendError(String user, String topic) {
    Map<String, Object> p = new HashMap<>(sasl(user));
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      return catching(() -> producer.send(new ProducerRecord<>(topic, "k".getBytes(StandardCharsets.UTF_8),
          "v".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS));
    }
  }

  interface Action {
    void run() throws Exception;
  }

  /** The exception {@code action} throws (unwrapped from an ExecutionException); fails the test if it throws none. */
  static Throwable catching(Action action) {
    try {
      action.run();
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      return e;
    }
    throw new AssertionError("expected a refusal, but it succeeded");
  }

  static Map<String, Set<AclOperation>> allTopics(List<String> changelogs, Set<AclOperation> ops) {
    Map<String, Set<AclOperation>> m = new TreeMap<>();
    TOPICS.all(List.of("process", "noop")).forEach(t -> m.put(t, ops));
    changelogs.forEach(t -> m.put(t, ops));
    return m;
  }

  /** What the broker says {@code user} may do on each topic; nothing for a topic it may not even describe. */
  static Map<String, Set<AclOperation>> topicOperations(String user, Set<String> topics) throws Exception {
    Map<String, Set<AclOperation>> ops = new TreeMap<>();
    try (Admin admin = admin(user)) {
      var described = admin.describeTopics(topics, new DescribeTopicsOptions().includeAuthorizedOperations(true))
          .topicNameValues();
      for (String t : topics) {
        try {
          TopicDescription d = described.get(t).get(30, TimeUnit.SECONDS);
          ops.put(t, enumSet(d.authorizedOperations()));
        } catch (ExecutionException e) {
          assertThat(e.getCause()).as(user + " describing " + t).isInstanceOf(TopicAuthorizationException.class);
          ops.put(t, EnumSet.noneOf(AclOperation.class));
        }
      }
    }
    return ops;
  }

  static Map<String, Set<AclOperation>> groupOperations(String user, List<String> groups) throws Exception {
    Map<String, Set<AclOperation>> ops = new LinkedHashMap<>();
    try (Admin admin = admin(user)) {
      var described = admin.describeConsumerGroups(groups,
          new DescribeConsumerGroupsOptions().includeAuthorizedOperations(true)).describedGroups();
      for (String g : groups) {
        try {
          ConsumerGroupDescription d = described.get(g).get(30, TimeUnit.SECONDS);
          ops.put(g, enumSet(d.authorizedOperations()));
        } catch (ExecutionException e) {
          assertThat(e.getCause()).as(user + " describing group " + g).isInstanceOf(GroupAuthorizationException.class);
          ops.put(g, EnumSet.noneOf(AclOperation.class));
        }
      }
    }
    return ops;
  }

  static Set<AclOperation> enumSet(Set<AclOperation> ops) {
    Set<AclOperation> s = EnumSet.noneOf(AclOperation.class);
    s.addAll(ops);
    return s;
  }

  static Set<AclOperation> clusterOperations(String user) throws Exception {
    try (Admin admin = admin(user)) {
      return admin.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true))
          .authorizedOperations().get(30, TimeUnit.SECONDS);
    }
  }
}
