package dev.weft.cli;

import java.io.PrintStream;

/**
 * Where a command writes: results to {@code out}, progress and problems to {@code err}. {@code interactive} says
 * whether a person watches a terminal: then progress may redraw a line or the screen; otherwise (a pipe, a file, a
 * CI log) it is plain lines without control characters.
 */
record CommandOutput(PrintStream out, PrintStream err, boolean interactive) {

  /** The process's own streams; interactive when they are a terminal that understands cursor movement. */
  static CommandOutput ofProcess() {
    return new CommandOutput(System.out, System.err, System.console() != null && !"dumb".equals(System.getenv("TERM")));
  }
}
