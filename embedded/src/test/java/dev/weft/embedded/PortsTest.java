package dev.weft.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
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
}
