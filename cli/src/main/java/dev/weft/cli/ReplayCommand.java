package dev.weft.cli;

import dev.weft.coordinator.CoordinatorConfig;
import dev.weft.coordinator.CoordinatorReplay;
import dev.weft.serde.WeftSerdes;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * {@code weft replay [--application-id NEW] [--from-application-id OLD] [--state-dir D] [--serve]}: rebuilds the
 * coordinator's state by folding the input topics from the beginning into empty stores under a new application id.
 * Nothing already published is published again, so no work starts twice. With {@code --serve} the rebuilt
 * coordinator keeps running and takes over; stop the old one first.
 */
final class ReplayCommand {
  static final Set<String> OPTIONS = Endpoints.optionsWith("application-id", "from-application-id", "state-dir", "api-port", "serve", "timeout",
      "retain-finished");

  private ReplayCommand() {}

  static int run(Args a, PrintStream out, PrintStream err) throws InterruptedException {
    a.allow(OPTIONS);
    Endpoints e = Endpoints.from(a);
    String appId = a.option("application-id", null, "weft-coordinator-replay-" + System.currentTimeMillis());
    String previous = a.option("from-application-id", null, "weft-coordinator");
    CoordinatorConfig config = CoordinatorConfig.defaults(e.bootstrap(),
            Path.of(a.option("state-dir", null, ".weft/" + appId)))
        .withApplicationId(appId).withApiPort(a.intOption("api-port", a.flag("serve") ? 7070 : -1))
        // The coordinator being replaced's setting: a run's expiry time is decided again when the replay folds its end.
        .withOptions(dev.weft.coordinator.topology.CoordinatorOptions.DEFAULT
            .withRetainFinished(ServiceCommands.retainFinished(a)));
    err.println("weft: replaying into application " + appId + " (already published by " + previous + ")");
    CoordinatorReplay.Result r = CoordinatorReplay.replay(config, new WeftSerdes(e.registry()), previous,
        dev.weft.spec.Durations.parse(a.option("timeout", null, "1h")),
        CoordinatorReplay.printing(m -> err.println("weft: " + m)));
    double seconds = Math.max(0.001, r.took().toMillis() / 1000.0);
    out.printf("caught up: %d records folded in %.1f s (%.0f records/s); %d commands held back; state rebuilt under "
        + "application id %s%n", r.records(), seconds, r.records() / seconds, r.coordinator().stats().suppressedCommands(),
        appId);
    if (!a.flag("serve")) {
      r.coordinator().close();
      return Weft.OK;
    }
    err.println("weft: serving as the coordinator (API on port " + r.coordinator().apiPort() + "); Ctrl-C to stop");
    return ServiceCommands.untilStopped(r.coordinator(), err);
  }
}
