#!/usr/bin/env bash
# Builds the local Kafka broker image weft-test/kafka:<kafka.version of the root POM> for the Testcontainers tests
# (a multi-broker KRaft cluster; BrokerFailureEndToEndTest). No image registry is reachable here, so the image is
# assembled from parts that are: a minbase Debian bookworm root with openjdk-17-jre-headless (debootstrap, from the
# mirror apt uses), Kafka's jars as Maven resolves them (kafka-image/pom.xml), and an apache/kafka-style entry script
# (kafka-image/run). Idempotent: nothing happens when the image exists. Run as root; needs the engine running.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/pom.xml" | head -n 1)"
[ -n "$KAFKA_VERSION" ] || { echo "build-kafka-image: no <kafka.version> in $ROOT/pom.xml" >&2; exit 1; }
IMAGE="${WEFT_KAFKA_IMAGE:-weft-test/kafka:$KAFKA_VERSION}"
SUITE=bookworm

say() { echo "build-kafka-image: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  say "$IMAGE exists"
  exit 0
fi
[ "$(id -u)" = 0 ] || die "run as root (debootstrap and docker import need it)"
command -v mvn >/dev/null 2>&1 || die "mvn not found: it resolves Kafka's jars for the image"

if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null \
    || die "apt-get install debootstrap failed"
fi

# The mirror apt is configured with (deb822 .sources or one-line .list), since that is the one known to answer.
mirror="${WEFT_DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  mirror="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}')"
fi
if [ -z "$mirror" ]; then
  mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}')"
fi
mirror="${mirror:-http://deb.debian.org/debian}"

work="$(mktemp -d /tmp/weft-kafka-image.XXXXXX)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
started=$SECONDS

say "resolving Kafka $KAFKA_VERSION's jars with Maven"
mkdir -p "$work/libs"
mvn -B -q -ntp -f "$HERE/kafka-image/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
  dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$work/libs" \
  || die "Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
ls "$work/libs"/kafka_2.13-*.jar >/dev/null 2>&1 || die "kafka_2.13 jar missing from the resolved libs"

say "debootstrap $SUITE (minbase + openjdk-17-jre-headless) from $mirror"
debootstrap --variant=minbase --include=openjdk-17-jre-headless "$SUITE" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
# What a broker never reads: package caches and docs (the vfs driver copies the whole root per container).
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc \
  "$rootfs"/usr/share/man "$rootfs"/usr/share/locale

mkdir -p "$rootfs/opt/kafka/libs" "$rootfs/opt/kafka/config" "$rootfs/etc/kafka/docker" "$rootfs/var/lib/kafka/data"
cp "$work/libs"/*.jar "$rootfs/opt/kafka/libs/"
install -m 755 "$HERE/kafka-image/run" "$rootfs/etc/kafka/docker/run"
chmod 755 "$rootfs"

say "importing $IMAGE"
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV KAFKA_VERSION=$KAFKA_VERSION" \
  --change 'WORKDIR /opt/kafka' \
  --change 'CMD ["/etc/kafka/docker/run"]' \
  - "$IMAGE" >/dev/null || die "docker import of $IMAGE failed"
say "built $IMAGE in $((SECONDS - started))s"
