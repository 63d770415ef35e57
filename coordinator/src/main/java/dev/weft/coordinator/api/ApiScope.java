package dev.weft.coordinator.api;

/** What a token of the query API may do. OPERATE includes READ. */
public enum ApiScope {
  /** See runs, tasks, stats and metrics. */
  READ,
  /** Also cancel runs and tasks. */
  OPERATE;

  /** @return whether a token of this scope may do what {@code needed} allows */
  public boolean allows(ApiScope needed) {
    return ordinal() >= needed.ordinal();
  }
}
