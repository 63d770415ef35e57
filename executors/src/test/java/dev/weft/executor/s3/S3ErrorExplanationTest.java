package dev.weft.executor.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;

/**
 * A failed output check says what to set when the SDK found no region or no credentials, instead of the provider
 * chain's story. The exceptions are the SDK's own, from chains of providers that read an empty profile file, so the
 * test neither depends on the environment nor asks instance metadata.
 */
class S3ErrorExplanationTest {
  private static final ProfileFile EMPTY = ProfileFile.aggregator().build();

  @Test
  void shouldSayToSetARegionWhenTheSdkFoundNone() {
    SdkClientException e = catchThrowableOfType(SdkClientException.class,
        () -> new AwsRegionProviderChain(new AwsProfileRegionProvider(() -> EMPTY, "none")).getRegion());
    assertThat(e.getMessage()).as("the SDK's own message").startsWith("Unable to load region");
    assertThat(S3OutputChecker.explain(e)).startsWith("no AWS region is configured").contains("AWS_REGION")
        .doesNotContain("Provider");
  }

  @Test
  void shouldSayToSetCredentialsWhenTheSdkFoundNone() {
    SdkClientException e = catchThrowableOfType(SdkClientException.class,
        () -> AwsCredentialsProviderChain.of(ProfileCredentialsProvider.builder().profileFile(EMPTY)
            .profileName("none").build()).resolveCredentials());
    assertThat(e.getMessage()).as("the SDK's own message").startsWith("Unable to load credentials");
    assertThat(S3OutputChecker.explain(e)).startsWith("no AWS credentials are configured")
        .contains("AWS_ACCESS_KEY_ID");
  }

  @Test
  void shouldKeepAnyOtherMessage() {
    assertThat(S3OutputChecker.explain(SdkClientException.create("Unable to execute HTTP request: timed out")))
        .isEqualTo("Unable to execute HTTP request: timed out");
  }
}
