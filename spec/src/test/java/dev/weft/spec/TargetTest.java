package dev.weft.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TargetTest {
  @Test
  void shouldReadPlainPathsAndFileUrisAsLocalFiles() {
    assertThat(Target.parse("out/orders.csv")).isEqualTo(new Target.LocalFile("out/orders.csv"));
    assertThat(Target.parse("/data/out.csv")).isEqualTo(new Target.LocalFile("/data/out.csv"));
    assertThat(Target.parse("file:///data/out.csv")).isEqualTo(new Target.LocalFile("/data/out.csv"));
    assertThat(Target.parse("out/a:b")).as("a colon after a slash is part of the path")
        .isEqualTo(new Target.LocalFile("out/a:b"));
  }

  @Test
  void shouldReadS3ObjectsAndPrefixes() {
    Target.S3Location object = (Target.S3Location) Target.parse("s3://my-bucket/out/2026-12-01/part-0.csv");
    assertThat(object.bucket()).isEqualTo("my-bucket");
    assertThat(object.key()).isEqualTo("out/2026-12-01/part-0.csv");
    assertThat(object.isPrefix()).isFalse();
    assertThat(object.uri()).isEqualTo("s3://my-bucket/out/2026-12-01/part-0.csv");

    Target.S3Location prefix = (Target.S3Location) Target.parse("S3://logs.example/day=2026-12-01/");
    assertThat(prefix.bucket()).isEqualTo("logs.example");
    assertThat(prefix.key()).isEqualTo("day=2026-12-01/");
    assertThat(prefix.isPrefix()).isTrue();
    assertThat(((Target.S3Location) Target.parse("s3://b12/a b%20c?x")).key()).as("the key is taken literally")
        .isEqualTo("a b%20c?x");
  }

  @Test
  void shouldRefuseMalformedS3UrisSayingHowToWriteThem() {
    assertThatThrownBy(() -> Target.parse("s3://")).hasMessageContaining("names no bucket");
    assertThatThrownBy(() -> Target.parse("s3:bucket/key")).hasMessageContaining("write s3://bucket/key");
    assertThatThrownBy(() -> Target.parse("s3://bucket")).hasMessageContaining("names a bucket but no key")
        .hasMessageContaining("s3://bucket/prefix/");
    assertThatThrownBy(() -> Target.parse("s3://bucket/")).hasMessageContaining("names a bucket but no key");
    assertThatThrownBy(() -> Target.parse("s3://My_Bucket/key")).hasMessageContaining("not a valid S3 bucket name");
    assertThatThrownBy(() -> Target.parse("s3://ab/key")).hasMessageContaining("not a valid S3 bucket name");
    assertThatThrownBy(() -> Target.parse("s3://a..b/key")).hasMessageContaining("not a valid S3 bucket name");
    assertThatThrownBy(() -> Target.parse("s3://10.0.0.1/key")).hasMessageContaining("not a valid S3 bucket name");
    assertThatThrownBy(() -> Target.parse("s3://user@bucket:9000/key")).hasMessageContaining("not a valid S3 bucket");
    assertThatThrownBy(() -> Target.parse("s3://bucket//key")).hasMessageContaining("starts with '/'")
        .hasMessageContaining("s3://bucket/key");
    assertThatThrownBy(() -> Target.parse("s3://bucket/" + "k".repeat(1025))).hasMessageContaining("1024 bytes");
  }

  @Test
  void shouldRefuseOtherSchemesEmptyTargetsAndHostFileUris() {
    assertThatThrownBy(() -> Target.parse("gs://bucket/key")).isInstanceOf(Target.InvalidTargetException.class)
        .hasMessageContaining("scheme 'gs' is not supported");
    assertThatThrownBy(() -> Target.parse(" ")).hasMessageContaining("empty");
    assertThatThrownBy(() -> Target.parse("file://host/path")).hasMessageContaining("file:///absolute/path");
    assertThatThrownBy(() -> Target.parse("file:relative")).hasMessageContaining("file:///absolute/path");
    assertThatThrownBy(() -> Target.parse("out/a\nb")).hasMessageContaining("control character");
  }
}
