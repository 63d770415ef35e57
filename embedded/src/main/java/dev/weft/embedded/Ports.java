package dev.weft.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/** Loopback ports for the embedded broker and registry, and for the servers the tests start beside them. */
public final class Ports {
  /** Linux's default start of the ephemeral range, where {@code ip_local_port_range} cannot be read. */
  private static final int DEFAULT_EPHEMERAL_LOW = 32768;
  /** The ports below the ephemeral range that {@link #free()} chooses among: few services listen there. */
  private static final int SPAN_BELOW_EPHEMERAL = 12_000;
  private static final int LOWEST = 10_000;
  private static final int TRIES = 64;
  /**
   * Every port {@link #free()} returned in this JVM. The broker and the registry choose theirs on two threads at once,
   * and each binds its port only seconds later: a port free for both probes would be handed to both. A few hundred
   * ports a day of tests, out of twelve thousand, are never handed out twice.
   */
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private Ports() {}

  /**
   * A port free on 127.0.0.1 right now, chosen below the kernel's ephemeral range.
   *
   * <p>The kernel hands out ports of that range to anyone who asks for one: a listener bound to port 0, and every
   * client connection's local end. A port the kernel gave us, released, and bound by the broker only seconds later
   * (at the end of its start-up, while the coordinator's clients already dial it) was taken in between: `weft run`
   * failed with "Address already in use" in CI, and in one of twelve starts on a loaded machine here (2026-12-02).
   * A port below the range can only be taken by a process that names it; another Weft stack choosing at random is
   * one chance in thousands, and its bind then fails with that port named. No port is returned twice in one JVM.
   */
  public static int free() {
    int low = ephemeralLow();
    int from = Math.max(LOWEST, low - SPAN_BELOW_EPHEMERAL);
    if (low - from >= 1_000) {
      for (int i = 0; i < TRIES; i++) {
        int port = ThreadLocalRandom.current().nextInt(from, low);
        if (isFree(port) && HANDED_OUT.add(port)) return port;
      }
    }
    // A machine whose ephemeral range leaves nothing below it (or all of it taken): one the kernel picks.
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("could not find a free port on 127.0.0.1", e);
    }
  }

  /** The first port of the kernel's ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range} on Linux). */
  static int ephemeralLow() {
    try {
      // Read line by line: a proc file reports no size, and a read sized by it came back with one character.
      String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"), StandardCharsets.US_ASCII)
          .get(0);
      return Integer.parseInt(range.trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return DEFAULT_EPHEMERAL_LOW;
    }
  }

  static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** @throws PortInUseException naming the port and what uses it, when it is taken */
  static void requireFree(int port, String what) {
    if (!isFree(port)) throw new PortInUseException(port, what);
  }

  /**
   * A port some other process listens on. A caller that chose the port itself ({@link #free()}) can choose another:
   * below the ephemeral range only a process that names a port takes it, so the next choice is almost surely free.
   */
  public static final class PortInUseException extends IllegalStateException {
    PortInUseException(int port, String what) {
      super(what + " cannot listen on 127.0.0.1:" + port + ": the port is in use."
          + " Stop whatever listens there (e.g. an earlier 'weft dev'; see `ss -ltnp | grep :" + port + "`)"
          + " or choose another port");
    }
  }
}
