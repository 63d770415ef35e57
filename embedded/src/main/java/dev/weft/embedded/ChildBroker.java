package dev.weft.embedded;

/** The broker in a child JVM ({@link FormattingBroker} under {@link ParentWatchdog}), its output in a log file. */
final class ChildBroker implements RunningBroker {
  private final ChildJvm jvm;

  ChildBroker(ChildJvm jvm) {
    this.jvm = jvm;
  }

  @Override
  public boolean isAlive() {
    return jvm.isAlive();
  }

  @Override
  public void stop(long graceMs) {
    jvm.stop(graceMs);
  }

  @Override
  public void kill() {
    jvm.kill();
  }

  @Override
  public String diagnostics(int lines) {
    return jvm.logFile() + " ends with:\n" + jvm.tail(lines);
  }
}
