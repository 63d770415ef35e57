package dev.weft.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;

/**
 * Samples this JVM's heap every 20 ms while a run goes on. Two figures: the peak of heap in use (live data plus
 * garbage not yet collected: what the JVM needed, an upper bound) and the peak of heap in use right after a
 * collection (close to the live data the coordinator really holds).
 */
final class HeapSampler implements AutoCloseable {
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long peakUsed;
  private volatile long peakAfterGc;

  HeapSampler() {
    // Start from what is live now, not from the garbage of the previous section.
    System.gc();
    thread = new Thread(this::loop, "weft-bench-heap");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (running) {
      long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      if (used > peakUsed) peakUsed = used;
      long afterGc = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        MemoryUsage u = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
        if (u != null) afterGc += u.getUsed();
      }
      if (afterGc > peakAfterGc) peakAfterGc = afterGc;
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  double peakUsedMb() {
    return peakUsed / (1024.0 * 1024.0);
  }

  double peakAfterGcMb() {
    return peakAfterGc / (1024.0 * 1024.0);
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
