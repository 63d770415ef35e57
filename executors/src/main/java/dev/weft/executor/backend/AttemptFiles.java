package dev.weft.executor.backend;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.spec.SpecJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The two files an attempt may write for the coordinator, in a directory of its own that the runtime creates before
 * the launch and reads and deletes after the attempt ended:
 * <ul>
 *   <li>{@value #RESULT_NAME} ({@code $WEFT_RESULT_FILE}): the task's result as JSON, published with SUCCEEDED
 *       (TaskEvent.resultJson); a task mapped over ({@code mapOver}) writes a JSON array there;</li>
 *   <li>{@value #SPAWN_NAME} ({@code $WEFT_SPAWN_FILE}): new tasks as YAML or JSON (a list of tasks, or
 *       {@code tasks:} and {@code defaults:}), published as SPAWNED (as JSON) just before the attempt's outcome.</li>
 * </ul>
 * Each is read up to {@link #MAX_BYTES}: a larger file, a result that is not JSON or a spawn file that is neither YAML
 * nor JSON fails the attempt (INVALID_SPEC) with the reason. Only backends whose work sees this host's files take
 * them (process, spark's local driver, container through a mount); {@link ExecutorBackend#takesAttemptFiles}.
 */
public final class AttemptFiles {
  public static final String RESULT_NAME = "result.json";
  public static final String SPAWN_NAME = "spawn.yaml";
  /** 1 MiB: a result travels inside one task event, and a spawned fragment is a small pipeline. */
  public static final int MAX_BYTES = 1024 * 1024;

  private final Path dir;

  private AttemptFiles(Path dir) {
    this.dir = dir;
  }

  /**
   * A new directory for one executor instance's attempt directories, in the temporary directory. Others may pass
   * through it but not list it (0711), so that a task run as another user (a container's nobody, a process policy's
   * runAs) reaches its own attempt's directory.
   *
   * @throws IOException when it cannot be created
   */
  public static Path newBase(String prefix) throws IOException {
    Path base = Files.createTempDirectory(prefix);
    trySetPermissions(base, "rwx--x--x");
    return base;
  }

  /**
   * Creates the attempt's directory under {@code base} (empty: a leftover of an earlier incarnation is removed),
   * writable by the task whichever user it runs as.
   *
   * @throws IOException when it cannot be created
   */
  public static AttemptFiles create(Path base, AttemptId id) throws IOException {
    Path dir = base.resolve(directoryName(id));
    deleteTree(dir);
    Files.createDirectories(dir);
    trySetPermissions(dir, "rwxrwxrwx");
    return new AttemptFiles(dir);
  }

  /** Removes a base directory and every attempt directory left in it. */
  public static void deleteBase(Path base) {
    try {
      deleteTree(base);
    } catch (IOException e) {
      // Temporary files; the operating system's cleanup takes what is left.
    }
  }

  private static void trySetPermissions(Path p, String perms) {
    try {
      Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(perms));
    } catch (UnsupportedOperationException | IOException e) {
      // Not a POSIX file system: tasks run as the executor's own user there.
    }
  }

  /** A name per attempt that is a safe file name whatever the ids hold. */
  static String directoryName(AttemptId id) {
    String readable = (id.runId() + "-" + id.taskId()).replaceAll("[^A-Za-z0-9._-]", "_");
    if (readable.length() > 100) readable = readable.substring(0, 100);
    return readable + "-" + id.attempt() + "-" + Integer.toHexString(id.toString().hashCode());
  }

  public Path dir() {
    return dir;
  }

  public Path resultFile() {
    return dir.resolve(RESULT_NAME);
  }

  public Path spawnFile() {
    return dir.resolve(SPAWN_NAME);
  }

  /** What the attempt left, read once it ended. {@code problem} (or null) says why the attempt must fail. */
  public record Collected(String resultJson, String spawnedJson, String problem) {
    public static final Collected NOTHING = new Collected(null, null, null);
  }

  /** Reads both files and deletes the directory. Never throws: what cannot be read becomes the problem. */
  public Collected collect() {
    try {
      String result = read(resultFile(), "$WEFT_RESULT_FILE");
      String spawn = read(spawnFile(), "$WEFT_SPAWN_FILE");
      String resultJson = null;
      if (result != null && !result.isBlank()) {
        try {
          resultJson = SpecJson.MAPPER.readTree(result).toString();
        } catch (JsonProcessingException e) {
          return new Collected(null, null, "the result in $WEFT_RESULT_FILE is not JSON: " + e.getOriginalMessage()
              + location(e));
        }
      }
      String spawnedJson = null;
      if (spawn != null && !spawn.isBlank()) {
        try {
          JsonNode tree = (spawn.stripLeading().startsWith("{") || spawn.stripLeading().startsWith("[")
              ? SpecJson.MAPPER : SpecJson.YAML).readTree(spawn);
          spawnedJson = tree.toString();
        } catch (JsonProcessingException e) {
          return new Collected(resultJson, null, "the tasks in $WEFT_SPAWN_FILE are neither YAML nor JSON: "
              + e.getOriginalMessage() + location(e));
        }
      }
      return resultJson == null && spawnedJson == null ? Collected.NOTHING
          : new Collected(resultJson, spawnedJson, null);
    } catch (TooLarge e) {
      return new Collected(null, null, e.getMessage());
    } catch (IOException e) {
      return new Collected(null, null, "cannot read the attempt's files in " + dir + ": " + e);
    } finally {
      delete();
    }
  }

  /** Removes the directory and whatever the task left in it. */
  public void delete() {
    try {
      deleteTree(dir);
    } catch (IOException e) {
      // A leftover directory costs disk only; the next attempt of the same id starts from an empty one.
    }
  }

  private static String read(Path file, String name) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new TooLarge(name + " holds more than " + MAX_BYTES + " bytes (1 MiB), the most an attempt can "
            + "publish; write large data elsewhere and put its location in the result");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private static String location(JsonProcessingException e) {
    return e.getLocation() == null || e.getLocation().getLineNr() <= 0 ? ""
        : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  private static final class TooLarge extends IOException {
    TooLarge(String message) {
      super(message);
    }
  }
}
