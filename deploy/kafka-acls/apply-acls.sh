#!/usr/bin/env bash
# Grants each Weft principal the Kafka ACLs it needs and nothing more, with Kafka's own kafka-acls.sh. Run it as a
# principal that may alter ACLs (a super user), on a cluster with an authorizer and allow.everyone.if.no.acl.found=false.
#
#   deploy/kafka-acls/apply-acls.sh --bootstrap-server kafka-1:9092 --command-config admin.properties \
#     --coordinator User:weft-coordinator --executor process=User:weft-process --executor spark=User:weft-spark \
#     --sink User:weft-sink --submitter User:alice --submitter User:ci
#
# Each operation below is one the service's clients perform; docs/kafka-acls.md says which client and why, and
# tests/.../KafkaAclEndToEndTest proves the set on a SASL broker: enough for a whole run, and nothing more.
#
# Options (each may be left out; a principal not given gets nothing):
#   --bootstrap-server HOST:PORT  the cluster (env BOOTSTRAP; default localhost:9092)
#   --command-config FILE         the admin client's settings (SASL, TLS), passed on to kafka-acls.sh
#   --topic-prefix PREFIX         the services' --topic-prefix (env PREFIX; default weft.)
#   --application-id ID           the coordinator's --application-id (default weft-coordinator); every id that
#                                 starts with ID- is covered too, such as `weft replay`'s default
#                                 weft-coordinator-replay-<time>
#   --coordinator PRINCIPAL       the coordinator's principal (`weft coordinator`, `weft replay`)
#   --executor NAME=PRINCIPAL     an executor group (`weft executor NAME`) and its principal; repeatable
#   --sink PRINCIPAL              the completion sink's principal (`weft sink`)
#   --submitter PRINCIPAL         a principal that submits, cancels, reruns and backfills runs and follows them
#                                 (`weft submit --wait`, `weft cancel`, `weft rerun`, `weft backfill`); repeatable
#   --dry-run                     print the kafka-acls.sh invocations without running them
# A PRINCIPAL without a type (alice) is taken as User:alice.
#
# kafka-acls.sh is $KAFKA_ACLS, else $KAFKA_HOME/bin/kafka-acls.sh, else kafka-acls.sh on the PATH. Adding an ACL
# that exists changes nothing, so running this again is harmless; it never removes an ACL (kafka-acls.sh --remove
# does, for a principal or service you retire).
set -euo pipefail

BOOTSTRAP="${BOOTSTRAP:-localhost:9092}"
PREFIX="${PREFIX:-weft.}"
APPLICATION_ID="weft-coordinator"
COMMAND_CONFIG=""
COORDINATOR=""
SINK=""
EXECUTORS=()
SUBMITTERS=()
DRY_RUN=false

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

principal() { # User:name stays, name becomes User:name
  case "$1" in *:*) printf '%s' "$1" ;; *) printf 'User:%s' "$1" ;; esac
}

while [ $# -gt 0 ]; do
  case "$1" in
    --bootstrap-server) BOOTSTRAP="${2:?--bootstrap-server needs HOST:PORT}"; shift 2 ;;
    --command-config) COMMAND_CONFIG="${2:?--command-config needs a file}"; shift 2 ;;
    --topic-prefix) PREFIX="${2?--topic-prefix needs a prefix}"; shift 2 ;;
    --application-id) APPLICATION_ID="${2:?--application-id needs an id}"; shift 2 ;;
    --coordinator) COORDINATOR="$(principal "${2:?--coordinator needs a principal}")"; shift 2 ;;
    --sink) SINK="$(principal "${2:?--sink needs a principal}")"; shift 2 ;;
    --executor)
      case "${2:-}" in
        ?*=?*) EXECUTORS+=("${2%%=*}=$(principal "${2#*=}")") ;;
        *) echo "apply-acls: --executor takes NAME=PRINCIPAL, e.g. process=User:weft-process" >&2; exit 2 ;;
      esac
      shift 2 ;;
    --submitter) SUBMITTERS+=("$(principal "${2:?--submitter needs a principal}")"); shift 2 ;;
    --dry-run) DRY_RUN=true; shift ;;
    -h|--help) usage ;;
    *) echo "apply-acls: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ -n "$COMMAND_CONFIG" ] && [ ! -f "$COMMAND_CONFIG" ] && ! $DRY_RUN; then
  echo "apply-acls: no --command-config file at $COMMAND_CONFIG" >&2
  exit 2
fi
if [ -z "$COORDINATOR$SINK" ] && [ ${#EXECUTORS[@]} -eq 0 ] && [ ${#SUBMITTERS[@]} -eq 0 ]; then
  echo "apply-acls: no principal given: nothing to grant (see --help)" >&2
  exit 2
fi

if [ -n "${KAFKA_ACLS:-}" ]; then
  ACLS="$KAFKA_ACLS"
elif [ -n "${KAFKA_HOME:-}" ]; then
  ACLS="$KAFKA_HOME/bin/kafka-acls.sh"
else
  ACLS="kafka-acls.sh"
fi
if ! $DRY_RUN && ! command -v "$ACLS" >/dev/null 2>&1; then
  echo "apply-acls: cannot run $ACLS: set KAFKA_HOME to a Kafka distribution, or KAFKA_ACLS to its kafka-acls.sh" >&2
  exit 2
fi

# The names the services use (dev.weft.topics.Topics, CompletionSink.Config.of, CoordinatorConfig).
REQUESTS="${PREFIX}pipeline-requests"
TASK_EVENTS="${PREFIX}task-events"
RUN_EVENTS="${PREFIX}run-events"
DEAD_LETTER="${PREFIX}dead-letter"
COMMANDS="${PREFIX}commands."
if [ "$PREFIX" = "weft." ]; then
  EXECUTOR_GROUPS="weft-executor-"   # Topics.executorGroup: the name groups had before prefixes existed
  SINK_GROUP="weft-completion-sink"
else
  EXECUTOR_GROUPS="${PREFIX}executor-"
  SINK_GROUP="${PREFIX}completion-sink"
fi

# grant WHO PRINCIPAL... -- PATTERN OPERATIONS RESOURCE...: one kafka-acls.sh --add for these principals, operations
# (comma-separated) and resources (--topic T, --group G, --transactional-id T), all of one pattern type.
grant() {
  local who="$1"; shift
  local principals=()
  while [ "$1" != "--" ]; do principals+=(--allow-principal "$1"); shift; done
  shift
  local pattern="$1" operations="$2"; shift 2
  local cmd=("$ACLS" --bootstrap-server "$BOOTSTRAP")
  [ -n "$COMMAND_CONFIG" ] && cmd+=(--command-config "$COMMAND_CONFIG")
  cmd+=(--add "${principals[@]}" --resource-pattern-type "$pattern")
  local op
  IFS=',' read -r -a ops <<<"$operations"
  for op in "${ops[@]}"; do cmd+=(--operation "$op"); done
  cmd+=("$@")
  local what="$*"
  echo "apply-acls: $who: allow ${operations} on ${what//--/} (${pattern})"
  if $DRY_RUN; then
    printf '%q ' "${cmd[@]}"
    echo
  else
    "${cmd[@]}"
  fi
}

if [ -n "$COORDINATOR" ]; then
  # Kafka Streams (exactly_once_v2) reads both inputs and writes back to them (timers, reruns, backfills, the API's
  # cancels), and sends commands to every executor's topic (CoordinatorTopology).
  grant coordinator "$COORDINATOR" -- literal Read,Write --topic "$REQUESTS" --topic "$TASK_EVENTS"
  grant coordinator "$COORDINATOR" -- literal Write --topic "$RUN_EVENTS" --topic "$DEAD_LETTER"
  grant coordinator "$COORDINATOR" -- prefixed Write --topic "$COMMANDS"
  # Its internal topics (the stores' changelogs, <application id>-<store>-changelog): created, written, restored.
  grant coordinator "$COORDINATOR" -- prefixed Create,Read,Write --topic "${APPLICATION_ID}-"
  # Its group is the application id; a prefix also covers a replay's <application id>-replay-<time>.
  grant coordinator "$COORDINATOR" -- prefixed Read --group "$APPLICATION_ID"
  # Exactly-once: the stream threads' transactional ids, <application id>-<process id>-<thread>.
  grant coordinator "$COORDINATOR" -- prefixed Write --transactional-id "${APPLICATION_ID}-"
  # CommandBacklog: each executor group's committed offsets and members (weft_executor_backlog_records and
  # weft_executor_group_members). Describe only: it never joins or commits for them.
  grant coordinator "$COORDINATOR" -- prefixed Describe --group "$EXECUTOR_GROUPS"
fi

for entry in ${EXECUTORS[@]+"${EXECUTORS[@]}"}; do
  name="${entry%%=*}"
  who="${entry#*=}"
  group="${EXECUTOR_GROUPS}${name}"
  # ExecutorRuntime: consumes its own command topic in its group (commits through its transactions)...
  grant "executor $name" "$who" -- literal Read --topic "${COMMANDS}${name}" --group "$group"
  # ...and writes task events and dead letters, transactionally under <group>-<instance id>.
  grant "executor $name" "$who" -- literal Write --topic "$TASK_EVENTS" --topic "$DEAD_LETTER"
  grant "executor $name" "$who" -- prefixed Write --transactional-id "${group}-"
done

if [ -n "$SINK" ]; then
  # CompletionSink: consumes run-events in its group; its idempotent producer writes only dead letters.
  grant sink "$SINK" -- literal Read --topic "$RUN_EVENTS" --group "$SINK_GROUP"
  grant sink "$SINK" -- literal Write --topic "$DEAD_LETTER"
fi

if [ ${#SUBMITTERS[@]} -gt 0 ]; then
  # WeftClient: publishes requests (idempotent producer), follows a run on its run-events partition (assigned, no
  # group, so no group ACL); `weft submit` first asks whether the pipeline's executor groups have members.
  grant submitters "${SUBMITTERS[@]}" -- literal Write --topic "$REQUESTS"
  grant submitters "${SUBMITTERS[@]}" -- literal Read --topic "$RUN_EVENTS"
  grant submitters "${SUBMITTERS[@]}" -- prefixed Describe --group "$EXECUTOR_GROUPS"
fi
