/**
 * The {@code weft} command line, on picocli: {@link dev.weft.cli.Weft} is the root command and the entry point; each
 * subcommand is one {@code XCommand} class; options shared by several commands are mixins ({@code ...Options},
 * {@code ...Option}); usage errors and failures become messages and exit codes in one place each
 * ({@code UsageErrorHandler}, {@code CommandFailureHandler}).
 *
 * <p>To add a command ({@code rerun}, {@code backfill}, {@code schedule}): see the steps in {@link dev.weft.cli.Weft}'s
 * javadoc. In short, one annotated {@code Callable<Integer>} class with a {@code CommandOutput} constructor, listed in
 * {@code Weft}'s {@code subcommands}; {@code WeftCommandLineTest} then checks its help and its usage errors.
 */
package dev.weft.cli;
