package dev.weft.sink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * History in an S3 bucket under a prefix. {@link #create} is a PutObject with {@code If-None-Match: *}: S3 answers
 * 412 Precondition Failed when the key exists, which means this object was already written. (A 409
 * ConditionalRequestConflict, a concurrent write of the same key, is an error: the sink retries and then sees 412.)
 * SDK types stay in this class.
 */
public final class S3HistoryStore implements HistoryStore {
  private final S3Client s3;
  private final String bucket;
  private final String prefix;

  /** @param prefix the keys' common prefix, empty or ending with {@code /} */
  public S3HistoryStore(S3Client s3, String bucket, String prefix) {
    this.s3 = s3;
    this.bucket = bucket;
    this.prefix = prefix;
  }

  @Override
  public boolean create(String key, byte[] body) throws IOException {
    try {
      s3.putObject(b -> b.bucket(bucket).key(prefix + key).ifNoneMatch("*").contentType("application/json"),
          RequestBody.fromBytes(body));
      return true;
    } catch (S3Exception e) {
      if (e.statusCode() == 412) return false;
      throw failed("PUT", key, e);
    } catch (SdkException e) {
      throw failed("PUT", key, e);
    }
  }

  @Override
  public Optional<byte[]> read(String key) throws IOException {
    try {
      return Optional.of(s3.getObjectAsBytes(b -> b.bucket(bucket).key(prefix + key)).asByteArray());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw failed("GET", key, e);
    }
  }

  @Override
  public Listing list(String relativePrefix) throws IOException {
    List<String> dirs = new ArrayList<>();
    List<String> objects = new ArrayList<>();
    try {
      ListObjectsV2Request request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix + relativePrefix)
          .delimiter("/").build();
      for (ListObjectsV2Response page : s3.listObjectsV2Paginator(request)) {
        for (CommonPrefix p : page.commonPrefixes()) dirs.add(p.prefix().substring(prefix.length()));
        for (S3Object o : page.contents()) objects.add(o.key().substring(prefix.length()));
      }
    } catch (SdkException e) {
      throw failed("LIST", relativePrefix, e);
    }
    return new Listing(dirs.stream().sorted().toList(), objects.stream().sorted().toList());
  }

  @Override
  public List<String> listAll(String relativePrefix) throws IOException {
    List<String> out = new ArrayList<>();
    try {
      for (ListObjectsV2Response page : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + relativePrefix))) {
        for (S3Object o : page.contents()) out.add(o.key().substring(prefix.length()));
      }
    } catch (SdkException e) {
      throw failed("LIST", relativePrefix, e);
    }
    return out.stream().sorted().toList();
  }

  @Override
  public String location() {
    return "s3://" + bucket + "/" + prefix;
  }

  @Override
  public void close() {
    s3.close();
  }

  private IOException failed(String op, String key, SdkException e) {
    return new IOException(op + " " + location() + key + " failed: " + e.getMessage(), e);
  }
}
