package dev.weft.executor.process;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts process tasks through a small long-lived helper process that starts each task and reports its output and
 * its end: {@code fork-server.py} where Python 3.8 or later is on the PATH, else {@code fork-server.pl} (Perl, which
 * every Debian and Ubuntu system has as {@code perl-base}). The Python one starts tasks with {@code posix_spawn}, a
 * vfork in glibc, which costs half the CPU of Perl's fork on a VM where every copied page table and every
 * copy-on-write fault is paid for in TLB shootdowns (docs/performance.md, 2026-12-03).
 *
 * <p><b>Why.</b> A task that must die with its executor needed a guard around it when the JVM started it
 * ({@link ChildLauncher}: {@code setpriv}, a shell and {@code setsid}, three execs more than the task, on top of the
 * JDK's spawn helper). From the Perl helper a task costs a fork of a small process and its own exec: on a 2-core
 * VM, 16 at a time, 75–80 tasks of {@code true} a second, as many as the JVM starts bare {@code true}s without any
 * guard, where the guard managed 41–51; from the Python helper, a vfork and the exec, 250–430 (docs/performance.md).
 * Every page Perl's child touches before its exec is copied, so the environment and the working directory are set in
 * the helper before the fork. The JVM needs no
 * threads per task either: the helper multiplexes every task's stdout and stderr onto one pipe.
 *
 * <p><b>Dying with the executor.</b> The JVM holds the only write end of the helper's stdin; when the JVM dies, however
 * it dies, the kernel closes it, and the helper SIGKILLs every running task's process group and exits. A request the
 * helper reads after the JVM died is not started: it checks that its parent is still the JVM before each fork. The
 * helper runs in a session of its own and ignores the usual termination signals, so a Ctrl-C or a signal to the
 * executor's process group reaches the JVM (which cancels its tasks with their grace) and not the helper. Each task
 * runs in a session and process group of its own, so a cancel reaches everything it started.
 *
 * <p>{@code WEFT_PROCESS_LAUNCHER=guard} in the executor's environment starts tasks under the guard instead, as on a
 * host with neither interpreter (to compare, or should a helper misbehave somewhere);
 * {@code WEFT_PROCESS_LAUNCHER=perl} takes the Perl helper where Python would be taken. {@code ProcessBackend} reads
 * the setting.
 *
 * <p><b>The helper dying.</b> If the helper itself is killed, its tasks are killed here (their trees, by pid), their
 * attempts end with {@link TaskProcess#exit()} failed, and the next launch starts a new helper.
 *
 * <p>The protocol is described at the top of {@code fork-server.pl}; both helpers speak it.
 */
final class ForkServer implements TaskLauncher {
  private static final Logger log = LoggerFactory.getLogger(ForkServer.class);
  /** The two helpers, each an interpreter found on the PATH and the script it is given on its command line. */
  enum Helpers {
    PYTHON("python3", "-c", "fork-server.py"),
    PERL("perl", "-e", "fork-server.pl");

    final String interpreter;
    final String scriptOption;
    final String script;

    Helpers(String interpreter, String scriptOption, String resource) {
      this.interpreter = interpreter;
      this.scriptOption = scriptOption;
      this.script = loadScript(resource);
    }
  }
  /** The name a Python binary links to says its version: {@code python3 -> python3.11}. */
  private static final Pattern VERSIONED = Pattern.compile("python3\\.(\\d+)");
  /** A launch is a fork in the helper; this long without an answer means the helper is stuck, not busy. */
  private static final long START_TIMEOUT_SECONDS = 30;

  /**
   * Tasks one helper runs at most: its select() watches at most 1,024 descriptors, two pipes a task. Past it, the next
   * launch starts another helper.
   */
  static final int TASKS_PER_HELPER = 400;
  /** How long {@link #close()} waits for the helpers to exit; each exits as soon as its input ends. */
  private static final Duration HELPER_EXIT_WAIT = Duration.ofSeconds(2);

  private final Helpers kind;
  private final Path interpreter;
  private final AtomicInteger ids = new AtomicInteger();
  private final List<Helper> helpers = new ArrayList<>();
  private boolean closed;

  /** A fork server whose helper is {@code kind}'s script run by {@code interpreter} (a test may wrap it). */
  ForkServer(Helpers kind, Path interpreter) {
    this.kind = kind;
    this.interpreter = interpreter;
  }

  /**
   * A fork server, when python3 (3.8 or later) or perl is on the executor's PATH, in that order; it starts its helper
   * on the first launch.
   */
  static Optional<ForkServer> onThisHost() {
    Optional<ForkServer> python = onThisHost(Helpers.PYTHON);
    return python.isPresent() ? python : onThisHost(Helpers.PERL);
  }

  /** A fork server with the helper {@code kind}, when its interpreter is on the PATH (for Python, one that can spawn). */
  static Optional<ForkServer> onThisHost(Helpers kind) {
    return onPath(kind, System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
  }

  /** As {@link #onThisHost(Helpers)}, searching {@code path} (a PATH's value). */
  static Optional<ForkServer> onPath(Helpers kind, String path) {
    List<Path> found = onPath(kind.interpreter, path);
    Optional<Path> interpreter = kind == Helpers.PYTHON ? spawningPython(found) : found.stream().findFirst();
    return interpreter.map(p -> new ForkServer(kind, p));
  }

  private static List<Path> onPath(String name, String path) {
    List<Path> found = new ArrayList<>();
    for (String dir : path.split(":")) {
      if (dir.isEmpty()) continue;
      Path p = Path.of(dir, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) found.add(p);
    }
    return found;
  }

  /**
   * The first of these python3s that has {@code posix_spawn} with {@code setsid} (3.8 and later). A binary says so by
   * the name it links to ({@code python3.11}), which costs nothing to read; one whose name says nothing is a wrapper
   * (pyenv's shim, a shell script that took 0.4 s a start here) and is asked, only when no binary will do.
   */
  private static Optional<Path> spawningPython(List<Path> found) {
    List<Path> unnamed = new ArrayList<>();
    for (Path p : found) {
      OptionalInt minor = minorVersionByName(p);
      if (minor.isEmpty()) unnamed.add(p);
      else if (minor.getAsInt() >= 8) return Optional.of(p);
    }
    return unnamed.stream().filter(ForkServer::answersAsSpawning).findFirst();
  }

  private static OptionalInt minorVersionByName(Path python3) {
    try {
      Matcher m = VERSIONED.matcher(python3.toRealPath().getFileName().toString());
      return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    } catch (IOException | RuntimeException e) {
      return OptionalInt.empty();
    }
  }

  private static boolean answersAsSpawning(Path python3) {
    try {
      Process p = new ProcessBuilder(python3.toString(), "-c",
          "import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)").redirectErrorStream(true).start();
      p.getInputStream().transferTo(OutputStream.nullOutputStream());
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | RuntimeException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The interpreter that starts this server's helpers. */
  Path interpreter() {
    return interpreter;
  }

  @Override
  public TaskProcess start(TaskLaunch launch, OutputTail tail) throws IOException {
    int id = ids.incrementAndGet();
    byte[] request = request(id, launch);
    Helper h = helperWithRoom();
    Forked forked = h.send(id, request, tail);
    try {
      forked.pid.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } catch (TimeoutException e) {
      h.kill("no answer to a launch within " + START_TIMEOUT_SECONDS + " s");
      throw new IOException("the fork server did not answer within " + START_TIMEOUT_SECONDS + " s; it was restarted");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting " + launch.argv().get(0), e);
    }
    return forked;
  }

  private synchronized Helper helperWithRoom() throws IOException {
    if (closed) throw new IOException("the process executor is closing");
    helpers.removeIf(h -> !h.alive());
    for (Helper h : helpers) if (h.tasks.size() < TASKS_PER_HELPER) return h;
    Helper h = new Helper(kind, interpreter);
    helpers.add(h);
    return h;
  }

  /**
   * Ends the helpers; each kills whatever it started that still runs, and exits at once. Waits (at most
   * {@link #HELPER_EXIT_WAIT}) until they have: the JDK's thread that waits for a child process, and the thread that
   * reads its frames, are in native code until then, and a JVM that exits meanwhile waits 300 ms for such threads
   * (JDK 17's VM exit; it was a fifth of `weft run`'s time from the summary to the prompt, 2026-12-02).
   */
  @Override
  public void close() {
    List<Helper> toClose;
    synchronized (this) {
      closed = true;
      toClose = List.copyOf(helpers);
      helpers.clear();
    }
    toClose.forEach(Helper::closeInput);
    long deadline = System.nanoTime() + HELPER_EXIT_WAIT.toNanos();
    for (Helper h : toClose) h.awaitExit(deadline);
  }

  /** The pids of the helpers running now, for tests; empty before the first launch. */
  synchronized List<Long> helperPids() {
    return helpers.stream().filter(Helper::alive).map(h -> h.process.pid()).toList();
  }

  /** {@code L, id, program, workdir, uid, gid, argc, argv..., envc, NAME=value...}, length-prefixed. */
  private static byte[] request(int id, TaskLaunch launch) throws IOException {
    List<String> fields = new ArrayList<>();
    fields.add("L");
    fields.add(Integer.toString(id));
    fields.add(launch.program().toString());
    fields.add(launch.workdir().toString());
    fields.add(launch.user().map(u -> Integer.toString(u.uid())).orElse(""));
    fields.add(launch.user().map(u -> Integer.toString(u.gid())).orElse(""));
    fields.add(Integer.toString(launch.argv().size()));
    fields.addAll(launch.argv());
    fields.add(Integer.toString(launch.environment().size()));
    for (Map.Entry<String, String> e : launch.environment().entrySet()) fields.add(e.getKey() + "=" + e.getValue());
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (int i = 0; i < fields.size(); i++) {
      String f = fields.get(i);
      if (f.indexOf('\0') >= 0) {
        throw new IOException("an argument or environment variable of '" + launch.argv().get(0)
            + "' contains a NUL character, which no process can be given");
      }
      if (i > 0) body.write(0);
      body.writeBytes(f.getBytes(StandardCharsets.UTF_8));
    }
    byte[] framed = new byte[4 + body.size()];
    int n = body.size();
    framed[0] = (byte) (n >>> 24);
    framed[1] = (byte) (n >>> 16);
    framed[2] = (byte) (n >>> 8);
    framed[3] = (byte) n;
    System.arraycopy(body.toByteArray(), 0, framed, 4, n);
    return framed;
  }

  private static String loadScript(String resource) {
    try (InputStream in = ForkServer.class.getResourceAsStream(resource)) {
      if (in == null) throw new IllegalStateException(resource + " is missing from the executor's jar");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One task started by the helper: its pid once the helper forked it, its exit once it ended. */
  private static final class Forked implements TaskProcess {
    final CompletableFuture<Long> pid = new CompletableFuture<>();
    final CompletableFuture<Integer> exit = new CompletableFuture<>();
    final OutputTail.Lines stdout;
    final OutputTail.Lines stderr;
    volatile Optional<ProcessHandle> handle = Optional.empty();

    Forked(OutputTail tail) {
      stdout = tail.lines(false);
      stderr = tail.lines(true);
    }

    @Override
    public long pid() {
      return pid.join();
    }

    @Override
    public Optional<ProcessHandle> handle() {
      return handle.filter(ProcessHandle::isAlive);
    }

    @Override
    public CompletableFuture<Integer> exit() {
      return exit;
    }
  }

  /** One incarnation of the helper process and the thread that reads its frames. */
  private static final class Helper {
    final Process process;
    final OutputStream requests;
    final Map<Integer, Forked> tasks = new ConcurrentHashMap<>();
    final Thread reader;
    volatile boolean dead;

    Helper(Helpers kind, Path interpreter) throws IOException {
      ProcessBuilder pb = new ProcessBuilder(interpreter.toString(), kind.scriptOption, kind.script,
          Long.toString(ProcessHandle.current().pid()))
          .redirectError(ProcessBuilder.Redirect.INHERIT);
      process = pb.start();
      requests = process.getOutputStream();
      reader = new Thread(this::readFrames, "weft-fork-server-" + process.pid());
      reader.setDaemon(true);
      reader.start();
      log.debug("fork server started as pid {}", process.pid());
    }

    boolean alive() {
      return !dead && process.isAlive();
    }

    Forked send(int id, byte[] request, OutputTail tail) throws IOException {
      Forked forked = new Forked(tail);
      tasks.put(id, forked);
      try {
        synchronized (requests) {
          requests.write(request);
          requests.flush();
        }
      } catch (IOException e) {
        tasks.remove(id);
        throw new IOException("the fork server (pid " + process.pid() + ") does not take requests: " + e.getMessage(), e);
      }
      // The reader may have seen the helper die between the put and the write; it failed what it saw then.
      if (dead) lost(id, forked, "the fork server exited");
      return forked;
    }

    void closeInput() {
      try {
        synchronized (requests) {
          requests.close();
        }
      } catch (IOException e) {
        // Closed already: the helper is gone or going.
      }
    }

    /** Waits until the helper has exited and its frames are read, or until {@code deadline} (nanoTime). */
    void awaitExit(long deadline) {
      try {
        if (process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          reader.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void kill(String why) {
      log.warn("killing the fork server (pid {}): {}", process.pid(), why);
      process.destroyForcibly();
    }

    private void readFrames() {
      try (DataInputStream in = new DataInputStream(new BufferedInputStream(process.getInputStream(), 65536))) {
        byte[] buf = new byte[65536];
        while (true) {
          int type;
          try {
            type = in.readUnsignedByte();
          } catch (EOFException e) {
            break;
          }
          int id = in.readInt();
          int length = in.readInt();
          if (length > buf.length) buf = new byte[length];
          in.readFully(buf, 0, length);
          frame((char) type, id, buf, length);
        }
      } catch (IOException | RuntimeException e) {
        log.warn("reading the fork server's output failed: {}", e.toString());
      }
      died();
    }

    private void frame(char type, int id, byte[] payload, int length) {
      Forked t = tasks.get(id);
      if (t == null) return;
      switch (type) {
        case 'S' -> {
          long pid = intAt(payload) & 0xffffffffL;
          t.handle = ProcessHandle.of(pid);
          t.pid.complete(pid);
        }
        case 'F' -> {
          tasks.remove(id);
          t.pid.completeExceptionally(new IOException(new String(payload, 0, length, StandardCharsets.UTF_8)));
        }
        case 'O' -> t.stdout.feed(payload, 0, length);
        case 'E' -> t.stderr.feed(payload, 0, length);
        case 'X' -> {
          tasks.remove(id);
          t.stdout.end();
          t.stderr.end();
          t.exit.complete(intAt(payload));
        }
        default -> log.warn("the fork server sent a frame of unknown type '{}'; ignored", type);
      }
    }

    /** The helper is gone: its tasks were orphaned (or never started) and must not run on unwatched. */
    private void died() {
      dead = true;
      int code = exitCode();
      if (!tasks.isEmpty()) {
        log.warn("the fork server (pid {}) exited (code {}) with {} tasks running; killing them", process.pid(), code,
            tasks.size());
      }
      tasks.forEach((id, t) -> lost(id, t, "the fork server (pid " + process.pid() + ") that started it exited"));
    }

    private void lost(int id, Forked t, String why) {
      tasks.remove(id);
      t.handle.ifPresent(h -> {
        h.descendants().forEach(ProcessHandle::destroyForcibly);
        h.destroyForcibly();
      });
      IOException e = new IOException(why);
      t.pid.completeExceptionally(e);
      t.exit.completeExceptionally(e);
    }

    /** The helper's exit code, or -1 when it has not exited a second after its output ended. */
    private int exitCode() {
      try {
        return process.waitFor(1, TimeUnit.SECONDS) ? process.exitValue() : -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }

    private static int intAt(byte[] b) {
      return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }
  }
}
