package dev.weft.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Loopback ports for the child processes. */
final class Ports {
  private Ports() {}

  /** A port free on 127.0.0.1 right now (the OS picks it; another process could still take it before we bind). */
  static int free() {
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("could not find a free port on 127.0.0.1", e);
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

  /** @throws IllegalStateException naming the port and what uses it, when it is taken */
  static void requireFree(int port, String what) {
    if (!isFree(port)) {
      throw new IllegalStateException(what + " cannot listen on 127.0.0.1:" + port + ": the port is in use."
          + " Stop whatever listens there (e.g. an earlier 'weft dev'; see `ss -ltnp | grep :" + port + "`)"
          + " or choose another port");
    }
  }
}
