package dev.weft.executor.process;

/** {@link ForkServerTest} on {@code fork-server.py}: the helper taken where python3 (3.8 or later) is on the PATH. */
class PythonForkServerTest extends ForkServerTest {
  @Override
  ForkServer.Helpers helper() {
    return ForkServer.Helpers.PYTHON;
  }
}
