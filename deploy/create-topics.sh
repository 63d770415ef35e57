#!/usr/bin/env bash
# Creates Weft's topics on an existing Kafka cluster with kafka-topics.sh (from any Kafka distribution).
#   BOOTSTRAP=kafka-1:9092 PARTITIONS=12 REPLICATION=3 ./deploy/create-topics.sh
# The coordinator's two inputs must have the same partition count (a run's request and its events are folded by
# one stream task); each partition is a unit of coordinator parallelism, so size it for the most coordinator
# instances you expect. Topics are the source of truth: retention is unlimited on the inputs, so a replay can fold
# everything from offset 0; compact or expire them only together with a snapshot strategy.
set -euo pipefail
BOOTSTRAP="${BOOTSTRAP:-localhost:9092}"
PREFIX="${PREFIX:-weft.}"
PARTITIONS="${PARTITIONS:-12}"
REPLICATION="${REPLICATION:-3}"
MIN_ISR="${MIN_ISR:-2}"
TOPICS="${KAFKA_TOPICS:-kafka-topics.sh}"

create() { # name, extra configs...
  local name="$1"; shift
  "$TOPICS" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$PREFIX$name" \
    --partitions "$PARTITIONS" --replication-factor "$REPLICATION" --config min.insync.replicas="$MIN_ISR" "$@"
}

# Inputs of the coordinator: kept forever (replay), large enough for big pipeline specs.
create pipeline-requests --config retention.ms=-1 --config max.message.bytes=16777216
create task-events --config retention.ms=-1
# Outputs: commands are consumed at once; run events feed requesters and the UI.
for ex in process container spark batch noop; do create "commands.$ex" --config retention.ms=604800000; done
create run-events --config retention.ms=2592000000
create dead-letter --config retention.ms=2592000000
