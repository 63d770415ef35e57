package dev.weft.executor.container;

import dev.weft.executor.backend.LaunchException;
import dev.weft.executor.policy.PathPrefixes;
import dev.weft.executor.policy.PolicyViolation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the operator of a container executor lets a request ask for. Anyone who can write a request could otherwise
 * run {@code user: "0"} with the host's {@code /} or the Docker socket mounted, which hands them the host.
 *
 * <p>Rules:
 * <ul>
 *   <li>{@code images}: patterns the image reference must match ({@code *} is any run of characters, {@code ?} one);
 *   <li>{@code mountSources}: host path prefixes a mount may come from. {@code /}, and any path that holds a container
 *       engine's socket, are refused unless the policy names that exact path;
 *   <li>{@code allowRoot}: whether {@code user} may be uid 0 ({@code 0}, {@code root}, {@code 0:gid});
 *   <li>{@code allowNetwork}: whether {@code network} may be anything but {@code none};
 *       {@code allowHostNetwork}: whether it may be {@code host} or another container's namespace, which reach the
 *       host's loopback services (the broker among them);
 *   <li>{@code allowWritableRootFilesystem}: whether {@code readOnlyRootFilesystem: false} may be asked for.
 * </ul>
 */
public record ContainerPolicy(
    List<String> images,
    List<String> mountSources,
    boolean allowRoot,
    boolean allowNetwork,
    boolean allowHostNetwork,
    boolean allowWritableRootFilesystem) {

  /** Engine sockets a mount must not expose; {@code /var/run} is a link to {@code /run} on Debian, hence both. */
  static final List<String> ENGINE_SOCKETS = engineSockets(System.getenv("DOCKER_HOST"));

  public ContainerPolicy {
    images = List.copyOf(images);
    mountSources = List.copyOf(mountSources);
  }

  /**
   * For local work, and what {@code weft dev} uses: any image; mounts from the executor's working directory and the
   * temporary directory; no root, no host network; a network and a writable root filesystem may be asked for.
   */
  public static ContainerPolicy localDefault() {
    List<String> sources = new ArrayList<>();
    Path cwd = PathPrefixes.real(Path.of(""));
    // A working directory of / would allow every mount; then only the temporary directory is allowed.
    if (cwd.getParent() != null) sources.add(cwd.toString());
    sources.add(PathPrefixes.real(Path.of(System.getProperty("java.io.tmpdir"))).toString());
    return new ContainerPolicy(List.of("*"), sources, false, true, false, true);
  }

  /**
   * @throws LaunchException INVALID_SPEC naming the first rule the task breaks
   */
  public void check(ContainerSpec spec) throws LaunchException {
    if (images.stream().noneMatch(p -> glob(p).matcher(spec.image()).matches())) {
      throw PolicyViolation.of("container.images", "image '" + spec.image() + "' matches none of " + images);
    }
    if (!allowRoot && isRoot(spec.userOrDefault())) {
      throw PolicyViolation.of("container.allowRoot", "container.user '" + spec.userOrDefault() + "' runs as root");
    }
    String network = spec.networkOrDefault();
    boolean hostNamespace = network.equals("host") || network.startsWith("container:");
    if (hostNamespace && !allowHostNetwork) {
      throw PolicyViolation.of("container.allowHostNetwork", "container.network '" + network
          + "' shares another namespace's network, which reaches the host's loopback services");
    }
    if (!network.equals("none") && !allowNetwork) {
      throw PolicyViolation.of("container.allowNetwork", "container.network '" + network + "' asks for a network");
    }
    if (!spec.readOnlyRoot() && !allowWritableRootFilesystem) {
      throw PolicyViolation.of("container.allowWritableRootFilesystem",
          "readOnlyRootFilesystem: false asks for a writable root filesystem");
    }
    for (ContainerSpec.Mount m : spec.allMounts()) checkMount(m);
  }

  private void checkMount(ContainerSpec.Mount m) throws LaunchException {
    Path source = PathPrefixes.real(Path.of(m.hostPath()));
    boolean named = mountSources.stream().anyMatch(s -> PathPrefixes.real(Path.of(s)).equals(source));
    if (source.getParent() == null && !named) {
      throw PolicyViolation.of("container.mountSources", "mount source '" + m.source()
          + "' is the host's root directory, allowed only when the policy names / itself");
    }
    for (String socket : ENGINE_SOCKETS) {
      if (PathPrefixes.real(Path.of(socket)).startsWith(source) && !named) {
        throw PolicyViolation.of("container.mountSources", "mount source '" + m.source() + "' exposes the container "
            + "engine's socket " + socket + ", allowed only when the policy names that path itself");
      }
    }
    if (!PathPrefixes.under(source, mountSources)) {
      throw PolicyViolation.of("container.mountSources", "mount source '" + m.source() + "' (" + source
          + ") is under none of " + mountSources);
    }
  }

  static List<String> engineSockets(String dockerHost) {
    List<String> sockets = new ArrayList<>(List.of("/var/run/docker.sock", "/run/docker.sock",
        "/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock", "/run/podman/podman.sock"));
    if (dockerHost != null && dockerHost.startsWith("unix://")) sockets.add(dockerHost.substring("unix://".length()));
    return List.copyOf(sockets);
  }

  /** uid 0 by number or name; a user name is otherwise resolved inside the image, which the executor cannot see. */
  static boolean isRoot(String user) {
    String uid = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
    return uid.equals("root") || uid.matches("0+");
  }

  private static Pattern glob(String pattern) {
    StringBuilder re = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }
}
