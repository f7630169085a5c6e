#!/usr/bin/env bash
# Installs what overlayctl needs on a fresh Debian bookworm machine, idempotently:
# a second run only checks and takes seconds. Needs root (apt, and later namespaces).
#   - Debian packages: docker.io (dockerd), debootstrap, iptables, iproute2, chromium (UI test),
#     docker-compose, openssh-server and cloud-init (Exoscale emulator and user-data checks)
#   - node_modules from the lock file (npm ci)
#   - the pinned Temporal CLI (dev server) and Consul, built from their Go modules
#   - the offline images (mysql, nginx, busybox, consul, probe), see build-images.sh
#   - the images of docker-compose.temporal.yml (build-compose-images.sh)
# Everything goes to the cache folder ${XDG_CACHE_HOME:-~/.cache}/overlayctl, keyed by version.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/versions.sh
source "$ROOT/scripts/versions.sh"

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root: the local provider creates network namespaces and runs dockerd"
command -v go >/dev/null || die "Go is needed to build the Temporal CLI and Consul (go ${GO_MIN} or later)"
command -v node >/dev/null || die "Node.js 20.3 or later is needed"

mkdir -p "$CACHE"
# One setup at a time per cache (CI and a developer's shell may overlap).
exec 9>"$CACHE/.setup.lock"
flock 9

ensure_apt() {
  local missing=()
  # chromium: only for the Web UI browser test (headless, driven by playwright-core);
  # docker-compose: docker-compose.temporal.yml (the production-shaped Temporal);
  # openssh-server, cloud-init: the Exoscale emulator's hosts run sshd; user-data is
  # checked with `cloud-init schema`
  for pkg in docker.io debootstrap iptables iproute2 util-linux chromium docker-compose openssh-server cloud-init; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  # Packages must not start their services (sshd, dockerd) on this machine: nothing
  # of ours may run unless a test starts it.
  local guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && guard=yes
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$guard" ]; then rm -f /usr/sbin/policy-rc.d; fi
  # The package starts a host-level dockerd through its init script where one exists;
  # overlayctl never uses it (each host runs its own dockerd in its namespace).
}

ensure_node_modules() {
  local stamp="$ROOT/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$ROOT/package-lock.json" ]; then return; fi
  log "installing node modules (npm ci)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
}

ensure_temporal() {
  [ -x "$TEMPORAL_BIN" ] && return
  log "building the Temporal CLI v${TEMPORAL_VERSION} from its Go module (a few minutes, once)"
  local tmp; tmp=$(mktemp -d)
  GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$tmp" go install -trimpath \
    -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_VERSION}" \
    "github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_VERSION}"
  mkdir -p "$(dirname "$TEMPORAL_BIN")"
  mv "$tmp/temporal" "$TEMPORAL_BIN"
  rmdir "$tmp"
}

ensure_consul() {
  [ -x "$CONSUL_BIN" ] && return
  log "building Consul v${CONSUL_VERSION} (MPL-2.0) from its Go module (a few minutes, once)"
  local tmp; tmp=$(mktemp -d)
  # The wrapper module (scripts/consul/go.mod, go.sum) pins every dependency;
  # see ../shared/reference/consul-build.md for why a wrapper is needed.
  cp "$ROOT/scripts/consul/go.mod" "$ROOT/scripts/consul/go.sum" "$tmp/"
  (cd "$tmp" && GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/hashicorp/consul/version.GitCommit=v${CONSUL_VERSION}" \
    -o consul github.com/hashicorp/consul)
  mkdir -p "$(dirname "$CONSUL_BIN")"
  mv "$tmp/consul" "$CONSUL_BIN"
  rm -rf "$tmp"
}

ensure_probe() {
  [ -x "$PROBE_BIN" ] && return
  log "building the probe helper (tools/probe)"
  mkdir -p "$(dirname "$PROBE_BIN")"
  (cd "$ROOT/tools/probe" && GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$PROBE_BIN.tmp" . && mv "$PROBE_BIN.tmp" "$PROBE_BIN")
}

ensure_apt
ensure_node_modules
ensure_temporal
ensure_consul
ensure_probe
bash "$ROOT/scripts/build-images.sh"
bash "$ROOT/scripts/build-compose-images.sh"
log "ready (cache: $CACHE)"
