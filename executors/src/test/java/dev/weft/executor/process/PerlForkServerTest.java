package dev.weft.executor.process;

/** {@link ForkServerTest} on {@code fork-server.pl}: the helper taken where python3 is not on the PATH. */
class PerlForkServerTest extends ForkServerTest {
  @Override
  ForkServer.Helpers helper() {
    return ForkServer.Helpers.PERL;
  }
}
