package dev.weft.executor.process;

/** Every case of {@link ProcessBackendTest} on the launcher used where no perl is installed. */
class GuardedLauncherProcessBackendTest extends ProcessBackendTest {
  @Override
  TaskLauncher launcher() {
    return new GuardedLauncher();
  }
}
