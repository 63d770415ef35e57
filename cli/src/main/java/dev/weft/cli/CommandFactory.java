package dev.weft.cli;

import java.lang.reflect.Constructor;
import picocli.CommandLine;

/**
 * Makes picocli's command objects, handing each command that asks for it (a constructor taking a
 * {@link CommandOutput}) the streams of this invocation, so that {@link Weft#run} can be called with any streams
 * (tests do). Everything else (mixins, converters) picocli's own factory makes.
 */
final class CommandFactory implements CommandLine.IFactory {
  private final CommandOutput output;

  CommandFactory(CommandOutput output) {
    this.output = output;
  }

  @Override
  public <K> K create(Class<K> type) throws Exception {
    Constructor<K> withOutput;
    try {
      withOutput = type.getDeclaredConstructor(CommandOutput.class);
    } catch (NoSuchMethodException e) {
      return CommandLine.defaultFactory().create(type);
    }
    withOutput.setAccessible(true);
    return withOutput.newInstance(output);
  }
}
