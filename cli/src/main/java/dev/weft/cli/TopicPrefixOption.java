package dev.weft.cli;

import dev.weft.topics.Topics;
import picocli.CommandLine.Option;

/** {@code --topic-prefix} ({@code WEFT_TOPIC_PREFIX}): another Weft on the same broker. */
final class TopicPrefixOption {
  @Option(names = "--topic-prefix", paramLabel = "PREFIX",
      description = "the prefix of Weft's topics, for another Weft on the same broker (env WEFT_TOPIC_PREFIX; "
          + "default weft.)")
  String prefix;

  Topics topics() {
    String p = Environment.or(prefix, "WEFT_TOPIC_PREFIX", Topics.DEFAULT.prefix());
    return p.equals(Topics.DEFAULT.prefix()) ? Topics.DEFAULT : new Topics(p);
  }
}
