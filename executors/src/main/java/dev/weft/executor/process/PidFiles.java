package dev.weft.executor.process;

import dev.weft.executor.backend.AttemptId;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

/**
 * One small file per running attempt in a state directory: the pid, the process's start time and the attempt id.
 * The start time is what makes a leftover safe to kill: pids are reused, and a pid whose process started at another
 * time is somebody else's process.
 */
final class PidFiles {
  private static final String SUFFIX = ".pid";

  record Entry(Path file, long pid, Instant startedAt, AttemptId attempt) {}

  private final Path dir;

  PidFiles(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
  }

  Path dir() {
    return dir;
  }

  void write(AttemptId id, ProcessHandle process) throws IOException {
    Properties p = new Properties();
    p.setProperty("pid", Long.toString(process.pid()));
    p.setProperty("startedAtMs", Long.toString(process.info().startInstant().map(Instant::toEpochMilli).orElse(-1L)));
    p.setProperty("runId", id.runId());
    p.setProperty("taskId", id.taskId());
    p.setProperty("attempt", Integer.toString(id.attempt()));
    Path file = fileOf(id);
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      p.store(w, "weft process backend: attempt " + id);
    }
    // Atomic rename: a crash mid-write leaves a .tmp, never a half-written pid file that parses to a wrong pid.
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  void delete(AttemptId id) {
    try {
      Files.deleteIfExists(fileOf(id));
    } catch (IOException e) {
      // A stale pid file is harmless: its start time no longer matches any process after the attempt ended.
    }
  }

  /** Every readable pid file; unreadable ones are deleted (they cannot name a process safely). */
  List<Entry> list() throws IOException {
    List<Entry> entries = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path f : files) {
        try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
          Properties p = new Properties();
          p.load(r);
          entries.add(new Entry(
              f,
              Long.parseLong(p.getProperty("pid")),
              Instant.ofEpochMilli(Long.parseLong(p.getProperty("startedAtMs"))),
              new AttemptId(p.getProperty("runId"), p.getProperty("taskId"), Integer.parseInt(p.getProperty("attempt")))));
        } catch (IOException | RuntimeException e) {
          Files.deleteIfExists(f);
        }
      }
    }
    return entries;
  }

  private Path fileOf(AttemptId id) {
    // A name derived from the id, not the id itself: run and task ids may hold characters a file name cannot.
    return dir.resolve(UUID.nameUUIDFromBytes(id.toString().getBytes(StandardCharsets.UTF_8)) + SUFFIX);
  }
}
