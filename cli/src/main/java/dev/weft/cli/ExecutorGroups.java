package dev.weft.cli;

import dev.weft.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * Which executor groups have no member: a task sent to such a group waits in its queue until its queue timeout. The
 * CLI says so before the user waits an hour to find out.
 */
final class ExecutorGroups {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private ExecutorGroups() {}

  /**
   * @param topics           the installation: executors under another topic prefix have groups of their own
   * @param clientProperties the command's Kafka client settings (security, for one); the short timeouts stay
   * @return the executors among {@code executors} whose group has no member now, in name order
   * @throws Exception when the broker cannot tell within 5 s (the caller says it could not check)
   */
  static List<String> withoutMembers(String bootstrap, Map<String, Object> clientProperties, Topics topics,
      Collection<String> executors) throws Exception {
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis()); // the API timeout may not be shorter
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
    TreeSet<String> names = new TreeSet<>(executors);
    List<String> empty = new ArrayList<>();
    try (Admin admin = Admin.create(p)) {
      Map<String, KafkaFuture<ConsumerGroupDescription>> groups = admin.describeConsumerGroups(
              names.stream().map(topics::executorGroupOf).toList(),
              new DescribeConsumerGroupsOptions().timeoutMs((int) TIMEOUT.toMillis()))
          .describedGroups();
      for (String name : names) {
        try {
          ConsumerGroupDescription g = groups.get(topics.executorGroupOf(name)).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          if (g.members().isEmpty()) empty.add(name);
        } catch (ExecutionException e) {
          // A group no member ever joined does not exist at all (Kafka 4 says so rather than describe it empty).
          if (e.getCause() instanceof GroupIdNotFoundException) empty.add(name);
          else throw e;
        }
      }
    }
    return empty;
  }
}
