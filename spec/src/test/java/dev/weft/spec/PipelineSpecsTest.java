package dev.weft.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PipelineSpecsTest {
  static final String YAML = """
      pipeline: daily-revenue
      params:
        date: "2026-11-22"
      defaults:
        retry: {maxAttempts: 3, backoff: 2s, multiplier: 2, maxBackoff: 1m}
        timeout: 30m
      tasks:
        - id: extract-orders
          executor: process
          process:
            argv: ["sh", "-c", "grep paid in/orders.csv > out/orders-${date}.csv"]
            env: {LC_ALL: C}
            workdir: /data
          output: file:///data/out/orders-${date}.csv
        - id: report
          dependsOn: [extract-orders]
          executor: container
          container:
            image: local/busybox:1
            command: ["sh", "-c", "wc -l /data/out/orders-${date}.csv"]
          resources: {cpu: 0.5, memory: 256Mi}
          retry: {maxAttempts: 1}
      """;

  @Test
  void shouldParseTheDesignExampleAndResolveParamsAndDefaults() throws Exception {
    ResolvedPipeline p = PipelineSpecs.resolve(PipelineSpecs.parse(YAML), Map.of("date", "2026-11-23"));
    assertThat(p.name()).isEqualTo("daily-revenue");
    ResolvedTask extract = p.tasks().get(0);
    assertThat(extract.output()).isEqualTo("file:///data/out/orders-2026-11-23.csv");
    assertThat(extract.retry().maxAttempts()).isEqualTo(3);
    assertThat(extract.retry().backoffMs()).isEqualTo(2_000);
    assertThat(extract.retry().maxBackoffMs()).isEqualTo(60_000);
    assertThat(extract.timeoutMs()).isEqualTo(30 * 60_000);
    TaskSpec resolved = SpecJson.MAPPER.readValue(extract.specJson(), TaskSpec.class);
    assertThat(resolved.process().argv().get(2)).contains("out/orders-2026-11-23.csv");
    assertThat(resolved.process().env()).containsEntry("LC_ALL", "C");
    ResolvedTask report = p.tasks().get(1);
    assertThat(report.retry().maxAttempts()).as("task field wins over the default").isEqualTo(1);
    assertThat(report.retry().backoffMs()).as("other default fields still apply").isEqualTo(2_000);
    assertThat(report.specJson()).contains("wc -l /data/out/orders-2026-11-23.csv");
    assertThat(report.dependsOn()).containsExactly("extract-orders");
  }

  @Test
  void shouldResolveATaskWithNothingToSubstituteToItselfAsTheGeneralPathDoes() throws Exception {
    String yaml = """
        pipeline: plain
        tasks:
          - {id: a, executor: container, timeout: 5m, retry: {maxAttempts: 2}, container: {image: "busybox:1", command: ["sh", "-c", "echo hi"], env: {K: v}}}
          - {id: b, executor: container, dependsOn: [a], timeout: 5m, container: {image: "busybox:1", command: ["echo", "${x}"]}}
        """;
    ResolvedPipeline p = PipelineSpecs.resolve(PipelineSpecs.parse(yaml), Map.of("x", "y"));
    ResolvedTask plain = p.tasks().get(0);
    ResolvedTask substituted = p.tasks().get(1);
    // The plain task takes the shortcut, the other the tree path: both must yield a spec that reads back the same.
    assertThat(SpecJson.MAPPER.readValue(plain.specJson(), TaskSpec.class)).isEqualTo(PipelineSpecs.parse(yaml).tasks().get(0));
    assertThat(SpecJson.MAPPER.readTree(plain.specJson()))
        .isEqualTo(SpecJson.MAPPER.valueToTree(PipelineSpecs.parse(yaml).tasks().get(0)));
    assertThat(plain.retry().maxAttempts()).isEqualTo(2);
    assertThat(plain.timeoutMs()).isEqualTo(300_000);
    assertThat(substituted.specJson()).contains("\"y\"").doesNotContain("${x}");
  }

  @Test
  void shouldReadJsonAsTheSameModel() throws Exception {
    PipelineSpec fromYaml = PipelineSpecs.parse(YAML);
    PipelineSpec fromJson = PipelineSpecs.parse(PipelineSpecs.toJson(fromYaml));
    assertThat(PipelineSpecs.toJson(fromJson)).isEqualTo(PipelineSpecs.toJson(fromYaml));
  }

  @Test
  void shouldSuggestTheExecutorOrTaskATypoMeant() throws Exception {
    PipelineSpec spec = PipelineSpecs.parse("""
        pipeline: p
        tasks:
          - {id: extract, executor: proces, process: {argv: ["true"]}}
          - {id: load, executor: noop, dependsOn: [extarct, nothing-like-it]}
          - {id: each, executor: noop, mapOver: {task: lod}}
        """);
    assertThatThrownBy(() -> PipelineSpecs.resolve(spec, Map.of()))
        .hasMessageContaining("tasks[0](extract).executor: unknown executor 'proces'; did you mean 'process'?; one of")
        .hasMessageContaining("tasks[1](load).dependsOn[0]: unknown task 'extarct'; did you mean 'extract'?")
        .hasMessageContaining("tasks[1](load).dependsOn[1]: unknown task 'nothing-like-it'")
        .hasMessageNotContaining("'nothing-like-it'; did you mean")
        .hasMessageContaining("tasks[2](each).mapOver.task: unknown task 'lod'; did you mean 'load'?");
  }

  @Test
  void shouldReportEveryProblemWithWhereItIs() throws Exception {
    PipelineSpec spec = PipelineSpecs.parse("""
        pipeline: p
        tasks:
          - {id: a, executor: process, process: {argv: [echo, "${missing}"]}}
          - {id: a, executor: noop}
          - {id: b, executor: kubernetes}
          - {id: c, executor: noop, dependsOn: [zzz], timeout: soon}
          - {id: d, executor: container}
          - {id: e, executor: noop, resources: {memory: lots}, retry: {maxAttempts: 0}}
        """);
    assertThatThrownBy(() -> PipelineSpecs.resolve(spec, Map.of()))
        .isInstanceOf(SpecException.class)
        .hasMessageContaining("tasks[1].id: duplicate task id 'a' (first at tasks[0])")
        .hasMessageContaining("tasks[2](b).executor: unknown executor 'kubernetes'")
        .hasMessageContaining("tasks[3](c).dependsOn[0]: unknown task 'zzz'")
        .hasMessageContaining("tasks[3](c).timeout: 'soon' is not a duration")
        .hasMessageContaining("tasks[4](d).container: a 'container:' block is required")
        .hasMessageContaining("tasks[5](e).resources.memory")
        .hasMessageContaining("tasks[5](e).retry.maxAttempts");
  }

  @Test
  void shouldNameMissingParameters() throws Exception {
    PipelineSpec spec = PipelineSpecs.parse("""
        pipeline: p
        tasks:
          - {id: a, executor: process, process: {argv: [echo, "${date}", "$${literal}"]}}
        """);
    assertThatThrownBy(() -> PipelineSpecs.resolve(spec, Map.of()))
        .hasMessageContaining("tasks[0](a).process.argv[1]: missing parameter 'date'");
    ResolvedPipeline ok = PipelineSpecs.resolve(spec, Map.of("date", "d1"));
    assertThat(ok.tasks().get(0).specJson()).contains("\"d1\"").contains("${literal}");
  }

  @Test
  void shouldNameTheCycle() throws Exception {
    PipelineSpec spec = PipelineSpecs.parse("""
        pipeline: p
        tasks:
          - {id: start, executor: noop}
          - {id: a, executor: noop, dependsOn: [start, c]}
          - {id: b, executor: noop, dependsOn: [a]}
          - {id: c, executor: noop, dependsOn: [b]}
        """);
    assertThatThrownBy(() -> PipelineSpecs.resolve(spec, Map.of()))
        .hasMessageContaining("dependency cycle: ")
        .satisfies(e -> {
          String cycle = e.getMessage().substring(e.getMessage().indexOf("cycle: ") + 7);
          List<String> ids = List.of(cycle.split(" -> "));
          assertThat(ids).hasSize(4);
          assertThat(ids.get(0)).isEqualTo(ids.get(3));
          assertThat(ids.subList(0, 3)).containsExactlyInAnyOrder("a", "b", "c");
        });
  }

  @Test
  void shouldFindNoCycleInALongChainWithoutOverflowingTheStack() throws Exception {
    List<TaskSpec> tasks = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      tasks.add(new TaskSpec("t" + i, "noop", i == 0 ? List.of() : List.of("t" + (i - 1)), null, null, null, null, null,
          null, null, null, null, null));
    }
    ResolvedPipeline p = PipelineSpecs.resolve(new PipelineSpec("chain", Map.of(), null, tasks), Map.of());
    assertThat(p.tasks()).hasSize(100_000);
  }

  @Test
  void shouldRejectUnknownFieldsWithTheirLine() {
    assertThatThrownBy(() -> PipelineSpecs.parse("""
        pipeline: p
        tasks:
          - id: a
            executor: noop
            dependOn: [b]
        """))
        .hasMessageContaining("unknown field 'dependOn'")
        .hasMessageContaining("line 5");
  }

  @Test
  void shouldReportEveryUnknownFieldAtOnceWithItsLineAndTheFieldItWasMeantToBe() {
    assertThatThrownBy(() -> PipelineSpecs.parse("""
        pipeline: p
        defaults:
          retry: {maxAtempts: 3}
        tasks:
          - id: a
            executor: process
            proces: {argv: ["true"]}
          - id: b
            executor: process
            process: {argv: ["true"], enviroment: {A: "1"}}
            container: {anything: goes}
            colour: blue
        """))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems()).extracting(SpecProblem::toString)
            .containsExactly(
                "defaults.retry.maxAtempts (line 3): unknown field 'maxAtempts'; did you mean 'maxAttempts'? (the "
                    + "fields here: backoff, jitter, maxAttempts, maxBackoff, multiplier, nonRetryableExitCodes)",
                "tasks[0].proces (line 7): unknown field 'proces'; did you mean 'process'? (the fields here: batch, "
                    + "container, dependsOn, executor, heartbeatTimeout, id, inputs, mapOver, noop, notBefore, "
                    + "output, process, queueTimeout, resources, retry, spark, timeout)",
                "tasks[1].process.enviroment (line 10): unknown field 'enviroment'; did you mean 'env'? (the fields "
                    + "here: argv, env, workdir)",
                "tasks[1].colour (line 12): unknown field 'colour' (the fields here: batch, container, dependsOn, "
                    + "executor, heartbeatTimeout, id, inputs, mapOver, noop, notBefore, output, process, "
                    + "queueTimeout, resources, retry, spark, timeout)"));
  }

  @Test
  void shouldReportACycleAndAMissingParameterBesideTheOtherProblems() throws Exception {
    String yaml = """
        pipeline: bad-one
        tasks:
          - {id: a, executor: process}
          - {id: b, dependsOn: [c], executor: process, process: {argv: ["echo", "${missing}"]}, timeout: 5 minutes}
          - {id: c, dependsOn: [b], executor: dockr}
        """;
    assertThatThrownBy(() -> PipelineSpecs.resolve(PipelineSpecs.parse(yaml), Map.of()))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems()).extracting(SpecProblem::where)
            .containsExactly("tasks[0](a).process", "tasks[1](b).timeout", "tasks[2](c).executor", "tasks",
                "tasks[1](b).process.argv[1]"));
  }

  @Test
  void shouldRejectOversizedSpecs() {
    String big = "pipeline: p\n# " + "x".repeat(2_000) + "\n";
    assertThatThrownBy(() -> PipelineSpecs.parse(big, new SpecLimits(1_000, 10)))
        .hasMessageContaining("the limit is 1000 bytes");
  }

  @Test
  void shouldParseDurationsAndSizes() {
    assertThat(Durations.parse("500ms").toMillis()).isEqualTo(500);
    assertThat(Durations.parse("2s").toMillis()).isEqualTo(2_000);
    assertThat(Durations.parse("1.5m").toMillis()).isEqualTo(90_000);
    assertThat(Durations.parse("PT1H").toMillis()).isEqualTo(3_600_000);
    assertThat(MemorySize.parseBytes("256Mi")).isEqualTo(256L << 20);
    assertThat(MemorySize.parseBytes("1G")).isEqualTo(1_000_000_000L);
    assertThatThrownBy(() -> Durations.parse("10")).hasMessageContaining("not a duration");
  }

  @Test
  void shouldBuildTheSameModelInJava() throws Exception {
    PipelineSpec built = PipelineBuilder.pipeline("daily").param("date", "2026-11-22")
        .task(PipelineBuilder.process("extract", "sh", "-c", "echo ${date}").output("file:///tmp/x-${date}"))
        .task(PipelineBuilder.noop("done").dependsOn("extract").retry(2, "1s"))
        .build();
    ResolvedPipeline p = PipelineSpecs.resolve(PipelineSpecs.parse(PipelineSpecs.toJson(built)), Map.of());
    assertThat(p.tasks()).extracting(ResolvedTask::id).containsExactly("extract", "done");
    assertThat(p.tasks().get(0).output()).isEqualTo("file:///tmp/x-2026-11-22");
    assertThat(p.tasks().get(1).retry().maxAttempts()).isEqualTo(2);
  }

  @Test
  void shouldResolveDeclaredInputsWithParamsSubstituted() throws Exception {
    PipelineSpec built = PipelineBuilder.pipeline("lineage").param("date", "2026-12-01")
        .task(PipelineBuilder.process("report", "true").output("s3://reports/${date}/")
            .inputs("s3://raw/customers.csv", "/data/rates-${date}.csv"))
        .build();
    ResolvedTask report = PipelineSpecs.resolve(PipelineSpecs.parse(PipelineSpecs.toJson(built)), Map.of()).tasks().get(0);
    assertThat(report.output()).isEqualTo("s3://reports/2026-12-01/");
    assertThat(report.inputs()).containsExactly("s3://raw/customers.csv", "/data/rates-2026-12-01.csv");
    assertThat(SpecJson.MAPPER.readValue(report.specJson(), TaskSpec.class).inputs())
        .containsExactly("s3://raw/customers.csv", "/data/rates-2026-12-01.csv");
  }

  @Test
  void shouldReportMalformedTargetsWithTheirLocationBeforeAndAfterSubstitution() throws Exception {
    String yaml = """
        pipeline: targets
        params: {bucket: "Bad_Bucket"}
        tasks:
          - {id: a, executor: noop, output: "s3://bucket"}
          - {id: b, executor: noop, output: "s3://${bucket}/key", inputs: ["s3://ok-bucket/in.csv", "gs://x/y", "s3://${bucket}/z"]}
          - {id: c, executor: noop, output: "s3://fine-bucket/done/", inputs: ["file://host/x"]}
        """;
    assertThatThrownBy(() -> PipelineSpecs.resolve(PipelineSpecs.parse(yaml), Map.of()))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems()).extracting(SpecProblem::where)
            .containsExactly("tasks[0](a).output", "tasks[1](b).inputs[1]", "tasks[2](c).inputs[0]",
                // and at once, the targets with a parameter, checked once it is substituted
                "tasks[1](b).output", "tasks[1](b).inputs[2]"));
    // Those as written fixed, the substituted ones are still wrong.
    String second = yaml.replace("\"s3://bucket\"", "\"s3://bucket/x\"").replace("\"gs://x/y\", ", "")
        .replace("file://host/x", "file:///x");
    assertThatThrownBy(() -> PipelineSpecs.resolve(PipelineSpecs.parse(second), Map.of()))
        .isInstanceOfSatisfying(SpecException.class, e -> {
          assertThat(e.problems()).extracting(SpecProblem::where)
              .containsExactly("tasks[1](b).output", "tasks[1](b).inputs[1]");
          assertThat(e.problems().get(0).message()).contains("'Bad_Bucket' is not a valid S3 bucket name");
        });
  }
}
