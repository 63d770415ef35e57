package dev.weft.coordinator.api;

import java.util.List;

/**
 * One page of the run list, newest first, runs without their tasks.
 *
 * @param nextBefore the cursor of the next (older) page, or null when this is the last
 */
public record RunPage(List<RunView> runs, String nextBefore) {}
