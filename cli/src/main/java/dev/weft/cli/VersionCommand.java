package dev.weft.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code weft version}: the same line as {@code weft --version}, for those who type it as a command. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print Weft's version.")
final class VersionCommand implements Callable<Integer> {
  private final CommandOutput output;

  VersionCommand(CommandOutput output) {
    this.output = output;
  }

  @Override
  public Integer call() {
    output.out().println("weft " + WeftVersion.version());
    return Weft.OK;
  }
}
