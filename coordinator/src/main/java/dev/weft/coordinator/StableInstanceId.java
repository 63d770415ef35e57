package dev.weft.coordinator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A service instance's name that survives restarts, kept in a file in its state directory, and held exclusively while
 * the instance runs.
 *
 * <p>Why stable: the name is the instance's static group membership ({@code group.instance.id}) and part of its
 * transactional id. A restarted instance with the same name takes its partitions back at once instead of waiting for
 * the dead member's session to time out, and fences the dead instance's open transaction instead of waiting for it to
 * time out. Why exclusive: two live instances with one name would fence each other in turn; a second instance on the
 * same directory fails at start with a message instead.
 */
public final class StableInstanceId implements AutoCloseable {
  /** The file, in the state directory, that holds the name. */
  public static final String FILE = "instance-id";
  private static final String LOCK_FILE = "instance.lock";
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,200}");

  private final String id;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private StableInstanceId(String id, FileChannel lockChannel, FileLock lock) {
    this.id = id;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Claims {@code dir} for this process: locks it, and reads the name kept there, or keeps {@code given} (when not
   * null) or a new {@code prefix-xxxxxxxx} name there.
   *
   * @throws IllegalStateException when another live instance holds the directory
   */
  public static StableInstanceId claim(Path dir, String given, String prefix) {
    if (given != null) requireValid(given);
    try {
      Files.createDirectories(dir);
      FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        channel.close();
        throw new IllegalStateException("another running instance uses " + dir + "; give each instance its own state"
            + " directory (and instance id)");
      }
      return new StableInstanceId(readOrCreate(dir.resolve(FILE), given, prefix), channel, lock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the instance id in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static String readOrCreate(Path file, String given, String prefix) throws IOException {
    if (given != null) {
      write(file, given);
      return given;
    }
    if (Files.exists(file)) {
      String kept = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (VALID.matcher(kept).matches()) return kept;
    }
    String fresh = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    write(file, fresh);
    return fresh;
  }

  private static void write(Path file, String id) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** @throws IllegalArgumentException unless {@code id} is 1 to 200 letters, digits, '.', '_' or '-' */
  public static void requireValid(String id) {
    if (!VALID.matcher(id).matches()) {
      throw new IllegalArgumentException("instance id '" + id + "' may hold only letters, digits, '.', '_' and '-'");
    }
  }

  public String id() {
    return id;
  }

  /** Releases the directory for the next instance. */
  @Override
  public void close() {
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      // The lock goes with the channel, and with this process at the latest.
    }
  }
}
