package dev.weft.topics;

/**
 * How long every Kafka client Weft builds (the coordinator's, the executors', {@code WeftClient}'s) waits on a broker,
 * one decision for all of them. A deployment's own client settings still win over it.
 */
public final class BrokerTimeouts {
  /**
   * How long a client waits for a broker's answer before it gives the request up and looks again where to send it
   * (Kafka's default is 30 s). A broker that dies without closing its connections (a crashed machine; in the tests, a
   * killed container behind Docker's port proxy) answers nothing, and every request in flight to it waits this long.
   * With 30 s the coordinator's commit waited that long after a broker's kill, past its transaction timeout, and was
   * fenced: more than 100 s without a decision in a third of the trials (BrokerFailureEndToEndTest, 2026-12-04). With
   * 5 s a client follows the partitions to their new leaders as soon as the cluster has moved them (9-10 s after the
   * crash: the broker's session). A request given up is sent again, and the producer's sequence numbers keep a
   * resent batch from being written twice.
   */
  public static final int REQUEST_TIMEOUT_MS = 5_000;

  private BrokerTimeouts() {}
}
