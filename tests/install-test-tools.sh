#!/usr/bin/env bash
# Installs the Debian packages the tests drive besides Docker (tests/docker/ensure-docker.sh does that one):
# prometheus (its server and promtool: PrometheusEndToEndTest, PrometheusRulesTest) and chromium with
# chromium-driver (the browser and its WebDriver: RunPageBrowserTest drives the web UI through Selenium, with
# Debian's chromedriver so that nothing is downloaded). Idempotent: installs only what is missing. Run as root.
set -euo pipefail

say() { echo "install-test-tools: $*" >&2; }

missing=()
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)

if [ "${#missing[@]}" -eq 0 ]; then
  say "ready: $(prometheus --version 2>&1 | head -1); $(chromedriver --version 2>&1 | head -1)"
  exit 0
fi
[ "$(id -u)" = 0 ] || { say "ERROR: run as root to install ${missing[*]}"; exit 1; }
say "installing ${missing[*]}"
DEBIAN_FRONTEND=noninteractive apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The package's service is not wanted: the tests start their own Prometheus on a free loopback port.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus || true
fi
say "ready: $(prometheus --version 2>&1 | head -1); $(chromedriver --version 2>&1 | head -1)"
