#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs and starts what the tests need (Docker engine from
# Debian's docker.io, a busybox test image; Prometheus from Debian's prometheus), then builds every module and runs
# every test with Maven.
# Real components only: a KRaft broker and a schema registry are started by the tests themselves.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tests/docker/ensure-docker.sh
bash tests/install-test-tools.sh
mvn -B -ntp install "$@"
