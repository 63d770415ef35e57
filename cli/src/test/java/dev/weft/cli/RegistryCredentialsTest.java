package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --registry-user USER:PASSWORD} is sent to the schema registry as HTTP basic auth. */
class RegistryCredentialsTest {
  private HttpServer registry;
  private final List<String> authorizations = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startRegistry() throws Exception {
    registry = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    registry.createContext("/", exchange -> {
      authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      byte[] body = "{\"schema\": \"\\\"string\\\"\"}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    registry.start();
  }

  @AfterEach
  void stopRegistry() {
    registry.stop(0);
  }

  private ConnectionOptions connection(String... options) {
    CommandLine weft = Weft.commandLine(new CommandOutput(System.out, System.err, false));
    List<String> argv = new java.util.ArrayList<>(List.of("cancel", "run-1", "--registry",
        "http://127.0.0.1:" + registry.getAddress().getPort()));
    argv.addAll(List.of(options));
    CancelCommand cancel = weft.parseArgs(argv.toArray(String[]::new)).subcommand().commandSpec().commandLine()
        .getCommand();
    return cancel.connection;
  }

  @Test
  void shouldSendTheCredentialsAsBasicAuth() {
    connection("--registry-user", "alice:s3cr:et").registryClient().getById(7);

    assertThat(authorizations).containsExactly("Basic " + Base64.getEncoder()
        .encodeToString("alice:s3cr:et".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void shouldSendNoAuthorizationWithoutCredentials() {
    connection().registryClient().getById(7);

    assertThat(authorizations).containsExactly("null");
  }

  @Test
  void shouldRejectCredentialsWithoutAPassword() {
    assertThatThrownBy(() -> connection("--registry-user", "alice").registryClient())
        .isInstanceOf(UsageException.class).hasMessageContaining("USER:PASSWORD");
  }
}
