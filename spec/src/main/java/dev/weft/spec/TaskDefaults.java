package dev.weft.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Settings that apply to every task of a pipeline unless the task sets its own. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskDefaults(RetrySpec retry, String timeout, String heartbeatTimeout, Resources resources,
    String queueTimeout) {
  public static final TaskDefaults NONE = new TaskDefaults(null, null, null, null, null);

  public TaskDefaults(RetrySpec retry, String timeout, String heartbeatTimeout, Resources resources) {
    this(retry, timeout, heartbeatTimeout, resources, null);
  }
}
