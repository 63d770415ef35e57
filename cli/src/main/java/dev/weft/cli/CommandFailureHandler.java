package dev.weft.cli;

import dev.weft.spec.SpecException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Turns what a command threw into a message and an exit code: a late usage error ({@link UsageException}) as a usage
 * error, an invalid spec as a rejected request with every problem listed, anything else as "Weft unreachable". A
 * command's own expected outcomes (a failed run, no such run, a timeout) are exit codes it returns, not exceptions.
 */
final class CommandFailureHandler implements CommandLine.IExecutionExceptionHandler {

  @Override
  public int handleExecutionException(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
    if (e instanceof UsageException) {
      UsageErrorHandler.print(command, e.getMessage());
      return Weft.USAGE;
    }
    PrintWriter err = command.getErr();
    String name = command.getCommandSpec().qualifiedName();
    try {
      if (e instanceof SpecException spec) {
        err.println(name + ": the pipeline spec is invalid:");
        for (var p : spec.problems()) err.println("  " + p);
        return Weft.REJECTED;
      }
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        return Weft.UNAVAILABLE;
      }
      // An IllegalStateException carries a message written for people; anything else is shown with its type.
      err.println(name + ": " + (e instanceof IllegalStateException ? e.getMessage() : e.toString()));
      return Weft.UNAVAILABLE;
    } finally {
      err.flush();
    }
  }
}
