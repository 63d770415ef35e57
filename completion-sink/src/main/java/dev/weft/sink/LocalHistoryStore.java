package dev.weft.sink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * History in a local directory, with the same keys as in S3 (a key is a relative path).
 *
 * <p>{@link #create} is the local form of S3's {@code If-None-Match: *}: the body goes to a hidden temporary file in
 * the target's directory, is forced to disk, and is then hard-linked to its name. {@code link(2)} fails when the name
 * exists and is atomic, so a reader sees the whole object or none, and a sink killed at any point and run again
 * neither tears nor replaces an object. (A rename would not do: it replaces an existing file.) A temporary file left
 * by a kill is hidden (its name starts with a dot) and removed by {@link #removeLeftovers}.
 */
public final class LocalHistoryStore implements HistoryStore {
  private static final String TEMP_MARK = ".tmp-";
  private final Path root;

  public LocalHistoryStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  @Override
  public boolean create(String key, byte[] body) throws IOException {
    Path target = resolve(key);
    if (Files.exists(target)) return false;
    Files.createDirectories(target.getParent());
    Path temp = target.resolveSibling("." + target.getFileName() + TEMP_MARK + UUID.randomUUID());
    try {
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(body);
        while (buf.hasRemaining()) ch.write(buf);
        ch.force(true);
      }
      try {
        Files.createLink(target, temp);
      } catch (FileAlreadyExistsException e) {
        return false;
      }
      forceDirectory(target.getParent());
      return true;
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  @Override
  public Optional<byte[]> read(String key) throws IOException {
    try {
      return Optional.of(Files.readAllBytes(resolve(key)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public Listing list(String prefix) throws IOException {
    Path dir = resolve(prefix);
    List<String> dirs = new ArrayList<>();
    List<String> objects = new ArrayList<>();
    if (!Files.isDirectory(dir)) return new Listing(dirs, objects);
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.sorted().toList()) {
        String name = p.getFileName().toString();
        if (name.startsWith(".")) continue;
        if (Files.isDirectory(p)) dirs.add(prefix + name + "/");
        else objects.add(prefix + name);
      }
    }
    return new Listing(dirs, objects);
  }

  @Override
  public List<String> listAll(String prefix) throws IOException {
    Path dir = resolve(prefix);
    if (!Files.isDirectory(dir)) return List.of();
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
          .map(p -> root.relativize(p).toString().replace(java.io.File.separatorChar, '/')).sorted().toList();
    }
  }

  /** Deletes the temporary files of writes that a kill interrupted; their objects are written again by the sink. */
  public void removeLeftovers() throws IOException {
    if (!Files.isDirectory(root)) return;
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".")
          && p.getFileName().toString().contains(TEMP_MARK)).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Override
  public String location() {
    return root.toString();
  }

  @Override
  public void close() {}

  private Path resolve(String key) {
    Path p = root.resolve(key).normalize();
    if (!p.startsWith(root)) throw new IllegalArgumentException("key '" + key + "' is outside the history directory");
    return p;
  }

  /** The new name is durable only once its directory is: fsync the directory too (Linux allows it read-only). */
  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Not every platform can open a directory; the link is still atomic, only its durability waits for the OS.
    }
  }
}
