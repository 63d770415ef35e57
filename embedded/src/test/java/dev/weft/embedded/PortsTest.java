package dev.weft.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class PortsTest {

  @Test
  void shouldChooseAPortBelowTheEphemeralRangeThatCanBeBound() throws Exception {
    int low = Ports.ephemeralLow();
    for (int i = 0; i < 20; i++) {
      int port = Ports.free();
      assertThat(port).as("a port the kernel does not hand out itself").isLessThan(low).isGreaterThanOrEqualTo(1024);
      try (ServerSocket s = new ServerSocket(port, 0, InetAddress.getLoopbackAddress())) {
        assertThat(s.getLocalPort()).isEqualTo(port);
      }
    }
  }

  @Test
  void shouldSeeAPortSomeoneListensOnAsTaken() throws Exception {
    try (ServerSocket taken = new ServerSocket(Ports.free(), 0, InetAddress.getLoopbackAddress())) {
      assertThat(Ports.isFree(taken.getLocalPort())).isFalse();
    }
  }

  @Test
  void shouldNeverHandOutOnePortTwiceEvenToTwoThreadsAtOnce() throws Exception {
    // The broker and the registry choose their ports on two threads, and bind them only seconds later.
    Set<Integer> seen = ConcurrentHashMap.newKeySet();
    List<Integer> duplicates = new CopyOnWriteArrayList<>();
    Runnable choose = () -> {
      for (int i = 0; i < 500; i++) {
        int port = Ports.free();
        if (!seen.add(port)) duplicates.add(port);
      }
    };
    Thread other = new Thread(choose);
    other.start();
    choose.run();
    other.join();

    assertThat(duplicates).isEmpty();
    assertThat(seen).hasSize(1_000);
  }
}
