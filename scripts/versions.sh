# Pinned versions and the cache layout, shared by the setup scripts.
# src/toolchain.ts reads the same layout: keep them in step.
# shellcheck shell=bash
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
CACHE=${OVERLAYCTL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/overlayctl}
GO_MIN=1.25
TEMPORAL_VERSION=1.5.1
# v1.16.3: the newest MPL-2.0 Consul that builds from proxy modules (later ones are BUSL).
CONSUL_VERSION=1.16.3
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
TEMPORAL_BIN="$CACHE/temporal-$TEMPORAL_VERSION/bin/temporal"
CONSUL_BIN="$CACHE/consul-$CONSUL_VERSION/consul"
PROBE_HASH=$(cat "$ROOT/tools/probe/go.mod" "$ROOT/tools/probe/main.go" | sha256sum | cut -c1-12)
PROBE_BIN="$CACHE/probe-$PROBE_HASH/probe"
IMAGES_DIR="$CACHE/images"
