package dev.weft.sink;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Where history objects live: S3 ({@link S3HistoryStore}) or a local directory ({@link LocalHistoryStore}), with the
 * same keys ({@link HistoryKeys}). Keys are relative to the store's root (its bucket prefix or directory).
 *
 * <p>{@link #create} is the one write, and it never replaces: that, and keys that depend only on the event, is what
 * makes the sink exactly once in effect (a record written again after a crash finds its object there).
 */
public interface HistoryStore extends AutoCloseable {
  /**
   * Creates the object at {@code key} unless one exists, atomically: a reader sees the whole object or none.
   *
   * @return true when this call created it; false when an object was already there (a previous write of it)
   * @throws IOException when the store could not be written; nothing is known to be written then
   */
  boolean create(String key, byte[] body) throws IOException;

  /** @return the object at {@code key}, or empty when there is none */
  Optional<byte[]> read(String key) throws IOException;

  /**
   * One level below {@code prefix} (which ends with {@code /}), as a delimiter listing: the child "directories"
   * (ending with {@code /}) and the objects, each as a key relative to the root, each sorted.
   */
  Listing list(String prefix) throws IOException;

  /** Every object below {@code prefix}, at any depth, sorted. */
  List<String> listAll(String prefix) throws IOException;

  /** The store's location as a user would give it: {@code s3://bucket/prefix} or a directory. */
  String location();

  @Override
  void close();

  record Listing(List<String> directories, List<String> objects) {}
}
