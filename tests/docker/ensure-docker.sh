#!/usr/bin/env bash
# Makes a Docker engine answer on this machine and provides the test images: weft-test/busybox:1 (also tagged
# alpine:3.17, the helper image Testcontainers asks for) and weft-test/kafka:<kafka.version> (build-kafka-image.sh).
# Idempotent: every step checks first. Run as root. No image registry is reachable here, so images are
# built locally from Debian packages and Maven Central and never pulled.
set -euo pipefail

IMAGE="${WEFT_TEST_IMAGE:-weft-test/busybox:1}"
LOG="${DOCKERD_LOG:-/tmp/weft-dockerd.log}"
WAIT_SECONDS="${DOCKERD_WAIT_SECONDS:-60}"

say() { echo "ensure-docker: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

engine_answers() { docker info >/dev/null 2>&1; }

apt_updated=0
apt_install() {
  # Installs the named packages, running apt-get update once per script run.
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

[ "$(id -u)" = 0 ] || die "run as root (dockerd and docker import need it)"

if ! engine_answers; then
  if ! command -v dockerd >/dev/null 2>&1; then
    say "installing docker.io (dockerd)"
    apt_install docker.io
  fi
  command -v docker >/dev/null 2>&1 || die "docker client not found after installing docker.io"
  say "starting dockerd (log: $LOG)"
  # vfs: works on any filesystem (overlay-in-overlay fails in many sandboxes). No iptables: this sandbox may not
  # allow netfilter changes, and nothing needs them: task containers run with network none, and the broker
  # containers of the Testcontainers tests talk over a bridge network, with their ports published by docker-proxy.
  # The default bridge stays on for that (with --bridge=none -p publishes nothing), and --ip makes every published
  # port listen on loopback only.
  nohup dockerd --storage-driver=vfs --iptables=false --ip=127.0.0.1 >"$LOG" 2>&1 &
  deadline=$((SECONDS + WAIT_SECONDS))
  until engine_answers; do
    if [ $SECONDS -ge $deadline ]; then
      tail -n 20 "$LOG" >&2 || true
      die "dockerd did not answer 'docker info' within ${WAIT_SECONDS}s; see $LOG"
    fi
    sleep 0.5
  done
  say "engine answers"
fi

if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  if [ ! -x /bin/busybox ] || ! /bin/busybox --list >/dev/null 2>&1 || ! dpkg -s busybox-static >/dev/null 2>&1; then
    say "installing busybox-static"
    apt_install busybox-static
  fi
  root="$(mktemp -d /tmp/weft-busybox-rootfs.XXXXXX)"
  trap 'rm -rf "$root"' EXIT
  # mktemp -d makes the root 0700, which hides /bin from the non-root users tests run containers as.
  chmod 755 "$root"
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/data"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  say "importing $IMAGE"
  tar -C "$root" -c . | docker import --change 'ENV PATH=/bin' - "$IMAGE" >/dev/null \
    || die "docker import of $IMAGE failed"
fi

# Testcontainers checks for published ports and bridge networks; an engine started elsewhere with --bridge=none
# would fail those tests later and less clearly.
docker network inspect bridge >/dev/null 2>&1 \
  || die "the running engine has no bridge network (started with --bridge=none?); restart dockerd without it"

# Testcontainers (1.20) still asks for alpine:3.17 for its helper containers; busybox answers the same commands.
if ! docker image inspect alpine:3.17 >/dev/null 2>&1; then
  docker tag "$IMAGE" alpine:3.17 || die "docker tag $IMAGE alpine:3.17 failed"
fi

bash "$(dirname "${BASH_SOURCE[0]}")/build-kafka-image.sh"
say "ready: $(docker version --format '{{.Server.Version}}') with $IMAGE, alpine:3.17 and the Kafka test image"
