package dev.weft.tests;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.weft.coordinator.state.MutableCoordinatorState;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of STYLE.md "Dependencies", checked on the compiled classes of every Weft module on this classpath
 * (Zeebe does the same with ArchUnit in {@code qa/archunit-tests}). The coordinator folds the log and decides; it must
 * not grow a dependency on how work is executed. Deciders are pure: only appliers (and the state implementation they
 * write through) change state, so every change is an event on the log and a replay reproduces it.
 */
class LayeringTest {
  private static final String COORDINATOR = "dev.weft.coordinator..";
  private static final String DECIDE = "dev.weft.coordinator.decide..";
  private static final String APPLY = "dev.weft.coordinator.apply..";
  private static final String STATE = "dev.weft.coordinator.state..";
  private static final String DOCKER = "com.github.dockerjava..";
  private static final String AWS = "software.amazon..";
  private static final String SPARK = "org.apache.spark..";

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.weft");
    // Guard against rules that pass because nothing was imported (e.g. a module missing from the classpath).
    Set<String> names = classes.stream().map(c -> c.getName()).collect(Collectors.toSet());
    assertThat(names).contains("dev.weft.coordinator.decide.RunRequestDecider",
        "dev.weft.coordinator.apply.EventApplier", "dev.weft.coordinator.topology.FoldProcessor",
        "dev.weft.executor.backend.ExecutorBackend", "dev.weft.executor.container.ContainerBackend",
        "dev.weft.executor.batch.BatchBackend",
        "dev.weft.spec.PipelineSpecs", "dev.weft.cli.Weft");
  }

  @Test
  void coordinatorShouldNotDependOnExecutionBackendsOrTheCli() {
    ArchRule rule = noClasses().that().resideInAPackage(COORDINATOR)
        .should().dependOnClassesThat().resideInAnyPackage(DOCKER, AWS, SPARK, "dev.weft.executor..", "dev.weft.cli..",
            "dev.weft.client..", "dev.weft.devstack..", "dev.weft.embedded..")
        .because("the coordinator needs only the schemas and Kafka Streams; executors act on its commands");
    rule.check(classes);
  }

  @Test
  void decidersShouldNotHoldOrCallTheWritableState() {
    ArchRule rule = noClasses().that().resideInAPackage(DECIDE)
        .should().dependOnClassesThat().areAssignableTo(MutableCoordinatorState.class)
        .orShould().dependOnClassesThat().areAssignableTo(KeyValueStore.class)
        .because("deciders read a CoordinatorState view and return events; only appliers write");
    rule.check(classes);
  }

  @Test
  void onlyAppliersAndTheStateImplementationShouldWriteState() {
    Set<String> writes = Arrays.stream(MutableCoordinatorState.class.getDeclaredMethods()).map(Method::getName)
        .collect(Collectors.toSet());
    assertThat(writes).as("the write methods of MutableCoordinatorState").isNotEmpty();
    DescribedPredicate<JavaMethodCall> stateWrite = DescribedPredicate.describe(
        "a write method of MutableCoordinatorState " + writes,
        call -> call.getTargetOwner().isAssignableTo(MutableCoordinatorState.class)
            && writes.contains(call.getTarget().getName()));
    DescribedPredicate<JavaMethodCall> storeWrite = DescribedPredicate.describe(
        "KeyValueStore.put/putAll/putIfAbsent/delete",
        call -> call.getTargetOwner().isAssignableTo(KeyValueStore.class)
            && Set.of("put", "putAll", "putIfAbsent", "delete").contains(call.getTarget().getName()));
    // The predicates must recognise the writes that do exist, or the rule below would pass vacuously.
    assertThat(classes.get("dev.weft.coordinator.apply.EventApplier").getMethodCallsFromSelf())
        .anyMatch(stateWrite::test);
    assertThat(classes.get("dev.weft.coordinator.state.KeyValueCoordinatorState").getMethodCallsFromSelf())
        .anyMatch(storeWrite::test);
    ArchRule rule = noClasses().that().resideInAPackage(COORDINATOR).and().resideOutsideOfPackages(APPLY, STATE)
        .should().callMethodWhere(stateWrite).orShould().callMethodWhere(storeWrite)
        .because("every change of coordinator state is an applied event (STYLE.md: appliers are the only writers)");
    rule.check(classes);
  }

  @Test
  void decidersShouldNotMutateTheStateRecordsTheyRead() {
    // Avro state records are mutable objects; a decider that set a field on one it read would change state
    // without an event whenever the store hands out a cached instance.
    DescribedPredicate<JavaMethodCall> mutation = DescribedPredicate.describe(
        "a setter (or put) of an Avro state record in dev.weft.coordinator.state",
        call -> call.getTargetOwner().getPackageName().equals("dev.weft.coordinator.state")
            && call.getTargetOwner().isAssignableTo(SpecificRecordBase.class)
            && (call.getTarget().getName().startsWith("set") || call.getTarget().getName().equals("put")));
    assertThat(classes.get("dev.weft.coordinator.apply.EventApplier").getMethodCallsFromSelf())
        .as("the applier's own writes, which the predicate must recognise").anyMatch(mutation::test);
    noClasses().that().resideInAPackage(DECIDE).should().callMethodWhere(mutation).check(classes);
  }

  @Test
  void executorBackendInterfaceShouldNotLeakBackendSdks() {
    noClasses().that().resideInAPackage("dev.weft.executor.backend..")
        .should().dependOnClassesThat().resideInAnyPackage(DOCKER, SPARK, AWS)
        .because("every backend sits behind one Weft interface; SDK types never leak past it")
        .check(classes);
  }

  @Test
  void dockerJavaShouldStayInsideTheContainerBackend() {
    noClasses().that().resideOutsideOfPackage("dev.weft.executor.container..")
        .should().dependOnClassesThat().resideInAPackage(DOCKER)
        .because("docker-java is wrapped by the container backend (STYLE.md: adapter boundary)")
        .check(classes);
  }

  @Test
  void awsSdkShouldStayInsideTheBatchBackendTheS3OutputCheckerAndTheS3HistoryStore() {
    // The rule must see the SDK where it is used, or it would pass because nothing depends on it at all.
    assertThat(classes.get("dev.weft.executor.batch.BatchBackend").getDirectDependenciesFromSelf())
        .anyMatch(d -> d.getTargetClass().getPackageName().startsWith("software.amazon.awssdk"));
    assertThat(classes.get("dev.weft.executor.s3.S3OutputChecker").getDirectDependenciesFromSelf())
        .anyMatch(d -> d.getTargetClass().getPackageName().startsWith("software.amazon.awssdk"));
    assertThat(classes.get("dev.weft.sink.S3HistoryStore").getDirectDependenciesFromSelf())
        .anyMatch(d -> d.getTargetClass().getPackageName().startsWith("software.amazon.awssdk"));
    noClasses().that().resideOutsideOfPackages("dev.weft.executor.batch..", "dev.weft.executor.s3..")
        .and().doNotHaveFullyQualifiedName("dev.weft.sink.S3HistoryStore")
        .and().doNotHaveFullyQualifiedName("dev.weft.sink.HistoryStores")
        .should().dependOnClassesThat().resideInAPackage(AWS)
        .because("the AWS SDK is wrapped by the batch backend, the S3 output checker and, for history, by"
            + " S3HistoryStore and the factory that builds its client (STYLE.md: adapter boundary); the CLI and the"
            + " dev stack configure them through BatchSettings, S3Settings and a history URI")
        .check(classes);
  }

  @Test
  void specShouldNotDependOnKafkaOrTheRuntime() {
    noClasses().that().resideInAPackage("dev.weft.spec..")
        .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "dev.weft.coordinator..",
            "dev.weft.executor..", "dev.weft.cli..", "dev.weft.client..")
        .because("the pipeline spec is the user's contract, parsed alike by the CLI and the coordinator")
        .check(classes);
  }
}
