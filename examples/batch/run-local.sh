#!/usr/bin/env bash
# Runs examples/batch/pipeline.yaml against a local AWS Batch endpoint: moto (5.2.1, with boto3, for python3) runs
# every Batch job as a real container of the local Docker engine. Nothing here is Weft-specific configuration: the
# executor finds the endpoint, region and credentials the AWS way.
#
#   examples/batch/run-local.sh [PORT]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${1:-5055}"

# The image must already be in the local engine under its exact name:tag: moto pulls nothing that is missing.
if [ "$(id -u)" = 0 ]; then bash "$root/tests/docker/ensure-docker.sh"; fi
docker image inspect weft-test/busybox:1 >/dev/null

log="$(mktemp /tmp/weft-moto.XXXXXX.log)"
MOTO_DOCKER_NETWORK_MODE=host python3 "$here/moto-server.py" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/moto-api/data.json" >/dev/null 2>&1 && break
  kill -0 "$moto" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.2
done
echo "moto at http://127.0.0.1:$port (log $log)"

queue="$(python3 "$here/seed-moto.py" --endpoint "http://127.0.0.1:$port" --definition weft-busybox=weft-test/busybox:1)"

cd "$root"
AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
  WEFT_BATCH_JOB_QUEUE="$queue" \
  ./weft run examples/batch/pipeline.yaml "${@:2}"
cat .weft/out/batch/report.txt
