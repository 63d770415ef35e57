package dev.weft.bench;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.TreeMap;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** Requests sent by every Kafka client in this JVM, from their JMX metrics: where the broker's work comes from. */
final class ClientTraffic {
  private ClientTraffic() {}

  /** "client-id request-type" to count, for producers, consumers and admin clients. */
  static Map<String, Double> snapshot() {
    Map<String, Double> out = new TreeMap<>();
    MBeanServer s = ManagementFactory.getPlatformMBeanServer();
    try {
      for (String domain : new String[] {"kafka.producer", "kafka.consumer"}) {
        for (ObjectName n : s.queryNames(new ObjectName(domain + ":type=*-metrics,client-id=*"), null)) {
          String type = n.getKeyProperty("type");
          if (!(type.equals("producer-metrics") || type.equals("consumer-metrics") || type.equals("consumer-fetch-manager-metrics"))) continue;
          if (n.getKeyProperty("topic") != null || n.getKeyProperty("node-id") != null) continue;
          String client = n.getKeyProperty("client-id").replaceAll("-[0-9a-f]{8}-[0-9a-f-]{27}", "");
          for (String attr : new String[] {"request-total", "fetch-total", "records-consumed-total", "record-send-total",
              "txn-commit-time-ns-total", "commit-sync-time-ns-total"}) {
            try {
              Object v = s.getAttribute(n, attr);
              if (v instanceof Double d && d > 0) out.merge(client + " " + attr, d, Double::sum);
            } catch (javax.management.AttributeNotFoundException ignored) {
              // not this client's kind
            }
          }
        }
      }
    } catch (Exception e) {
      out.put("error " + e, 0.0);
    }
    return out;
  }

  static Map<String, Double> delta(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> d = new TreeMap<>();
    after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0.0)));
    return d;
  }
}
