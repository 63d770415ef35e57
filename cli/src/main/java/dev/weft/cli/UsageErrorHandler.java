package dev.weft.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Reports a usage error as one line saying what is wrong and a hint where the usage is, on stderr, with exit code
 * {@link Weft#USAGE}: no stack trace, and no full usage text burying the line that matters.
 */
final class UsageErrorHandler implements CommandLine.IParameterExceptionHandler {

  @Override
  public int handleParseException(ParameterException e, String[] args) {
    print(e.getCommandLine(), problem(e));
    return Weft.USAGE;
  }

  /** The two lines every usage error prints, whether picocli or the command found it. */
  static void print(CommandLine command, String problem) {
    PrintWriter err = command.getErr();
    String name = command.getCommandSpec().qualifiedName();
    err.println(name + ": " + problem);
    err.println("run '" + name + " --help' for usage");
    err.flush();
  }

  /** picocli's message, in Weft's words where Weft said it before ({@code unknown option --x}), on one line. */
  private static String problem(ParameterException e) {
    // picocli checks required arguments before it reports unknown ones; a typo is the likelier cause, so it goes first.
    for (String arg : e.getCommandLine().getUnmatchedArguments()) {
      if (arg.startsWith("-")) return "unknown option " + arg.split("=", 2)[0];
    }
    if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
      List<String> unmatched = u.getUnmatched();
      String first = unmatched.get(0);
      if (first.startsWith("-")) return "unknown option " + first.split("=", 2)[0];
      // The root takes no arguments of its own: a word it does not match is a command it does not have.
      if (e.getCommandLine().getParent() == null) return "unknown command '" + first + "'";
      return "unexpected argument '" + first + "'";
    }
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
