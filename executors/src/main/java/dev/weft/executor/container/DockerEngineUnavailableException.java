package dev.weft.executor.container;

/**
 * No Docker engine answers where the container backend looks for one. Thrown at construction, so a process that
 * wants the container executor only when an engine is there (as {@code weft dev} does) can catch it and go on.
 */
public class DockerEngineUnavailableException extends RuntimeException {
  public DockerEngineUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
