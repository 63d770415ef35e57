package dev.weft.cli;

import java.io.PrintStream;

/**
 * The progress of a long command on stderr. On a terminal one status line is redrawn in place below the lines already
 * printed; anywhere else (a pipe, a file, a CI log) every change of status is a plain line of its own, with no
 * carriage returns or escape sequences to garble the log.
 */
final class ProgressLine {
  /** Carriage return and "erase the line" (ANSI EL2): back to column 0 of an empty line. */
  private static final String CLEAR = "\r\033[2K";

  private final PrintStream err;
  private final boolean interactive;
  private String status = "";

  ProgressLine(PrintStream err, boolean interactive) {
    this.err = err;
    this.interactive = interactive;
  }

  boolean interactive() {
    return interactive;
  }

  /** A line to keep: printed above the status line, which is drawn again below it. */
  synchronized void log(String line) {
    if (interactive && !status.isEmpty()) err.print(CLEAR);
    err.println(line);
    if (interactive && !status.isEmpty()) err.print(status);
    err.flush();
  }

  /** The current status: redrawn in place on a terminal, else printed as a line when it changed. */
  synchronized void update(String text) {
    if (text.equals(status)) return;
    status = text;
    if (interactive) err.print(CLEAR + text);
    else err.println(text);
    err.flush();
  }

  /** Removes the status line from the terminal; the lines logged stay. */
  synchronized void done() {
    if (interactive && !status.isEmpty()) {
      err.print(CLEAR);
      err.flush();
    }
    status = "";
  }
}
