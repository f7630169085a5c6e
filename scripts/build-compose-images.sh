#!/usr/bin/env bash
# Builds what docker-compose.temporal.yml's images are made of, offline, into the
# cache (keyed by version), and puts each root file system into its build context
# (deploy/<service>/rootfs.tar, ignored by git):
#   temporal      temporal-server + temporal-sql-tool (go.temporal.io/server) + schema + busybox
#   temporal-ui   ui-server (github.com/temporalio/ui-server/v2) + busybox
#   postgresql    PostgreSQL 15 from Debian packages (debootstrap)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/versions.sh
source "$ROOT/scripts/versions.sh"
log() { printf 'compose images: %s\n' "$*" >&2; }

SERVER_VERSION=1.29.1   # the server the pinned Temporal CLI embeds
UI_VERSION=2.42.1       # the UI the pinned Temporal CLI embeds
SERVER_DIR="$CACHE/temporal-server-$SERVER_VERSION"
UI_DIR="$CACHE/temporal-ui-$UI_VERSION"
PG_TAR="$CACHE/compose/postgresql-$DEBIAN_SUITE.tar"
BUSYBOX_TAR="$IMAGES_DIR/busybox.tar"
[ -f "$BUSYBOX_TAR" ] || bash "$ROOT/scripts/build-images.sh"

go_install() { # dir package@version name
  local tmp; tmp=$(mktemp -d)
  GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$tmp" go install -trimpath -ldflags "-s -w" "$2"
  mkdir -p "$1" && mv "$tmp"/* "$1/$3" && rmdir "$tmp"
}

if [ ! -x "$SERVER_DIR/temporal-server" ] || [ ! -x "$SERVER_DIR/temporal-sql-tool" ] || [ ! -d "$SERVER_DIR/schema" ]; then
  log "building the Temporal server $SERVER_VERSION and its SQL tool from the Go module (minutes, once)"
  go_install "$SERVER_DIR" "go.temporal.io/server/cmd/server@v$SERVER_VERSION" temporal-server
  go_install "$SERVER_DIR" "go.temporal.io/server/cmd/tools/sql@v$SERVER_VERSION" temporal-sql-tool
  modcache=$(go env GOMODCACHE)
  rm -rf "$SERVER_DIR/schema" && mkdir -p "$SERVER_DIR/schema"
  cp -r "$modcache/go.temporal.io/server@v$SERVER_VERSION/schema/postgresql" "$SERVER_DIR/schema/"
  chmod -R u+w "$SERVER_DIR/schema"
fi
if [ ! -x "$UI_DIR/ui-server" ]; then
  log "building the Temporal UI server $UI_VERSION from the Go module (minutes, once)"
  go_install "$UI_DIR" "github.com/temporalio/ui-server/v2/cmd/server@v$UI_VERSION" ui-server
fi
if [ ! -f "$PG_TAR" ]; then
  log "building PostgreSQL from Debian packages (debootstrap, about a minute)"
  work=$(mktemp -d)
  mkdir -p "$work/debs"
  debootstrap --variant=minbase --include=postgresql-15 --cache-dir="$work/debs" "$DEBIAN_SUITE" "$work/root" "$DEBIAN_MIRROR" >"$work/log" 2>&1 \
    || { tail -20 "$work/log" >&2; rm -rf "$work"; exit 1; }
  # Debian's package creates a cluster at install time: the image makes its own on first start
  rm -rf "$work/root"/var/lib/postgresql/15 "$work/root"/etc/postgresql/15 "$work/root"/var/cache/apt/* \
    "$work/root"/var/lib/apt/lists/* "$work/root"/usr/share/doc/* "$work/root"/usr/share/man/* "$work/root"/usr/share/locale/*
  mkdir -p "$(dirname "$PG_TAR")"
  tar --numeric-owner -C "$work/root" -cf "$PG_TAR.tmp" --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* .
  mv "$PG_TAR.tmp" "$PG_TAR"
  rm -rf "$work"
fi

# A busybox root with the given binaries (and, for the server, its schema) added.
pack() { # context-dir files... (pairs of source:destination)
  local dest=$1; shift
  local work; work=$(mktemp -d)
  tar -C "$work" -xf "$BUSYBOX_TAR"
  mkdir -p "$work/usr/local/bin" "$work/etc/temporal"
  for pair in "$@"; do cp -r "${pair%%:*}" "$work/${pair#*:}"; done
  tar --numeric-owner -C "$work" -cf "$dest/rootfs.tar.tmp" .
  mv "$dest/rootfs.tar.tmp" "$dest/rootfs.tar"
  rm -rf "$work"
}
stamp() { echo "$*" | sha256sum | cut -c1-16; }
fresh() { [ -f "$1/rootfs.tar" ] && [ -f "$1/.rootfs.stamp" ] && [ "$(cat "$1/.rootfs.stamp")" = "$2" ]; }

key=$(stamp "temporal $SERVER_VERSION $(sha256sum "$BUSYBOX_TAR" | cut -c1-16)")
if ! fresh "$ROOT/deploy/temporal" "$key"; then
  pack "$ROOT/deploy/temporal" "$SERVER_DIR/temporal-server:usr/local/bin/temporal-server" "$SERVER_DIR/temporal-sql-tool:usr/local/bin/temporal-sql-tool" "$SERVER_DIR/schema:etc/temporal/schema"
  echo "$key" >"$ROOT/deploy/temporal/.rootfs.stamp"
fi
key=$(stamp "ui $UI_VERSION $(sha256sum "$BUSYBOX_TAR" | cut -c1-16)")
if ! fresh "$ROOT/deploy/temporal-ui" "$key"; then
  pack "$ROOT/deploy/temporal-ui" "$UI_DIR/ui-server:usr/local/bin/ui-server"
  echo "$key" >"$ROOT/deploy/temporal-ui/.rootfs.stamp"
fi
key=$(stamp "postgresql $(stat -c %Y "$PG_TAR")")
if ! fresh "$ROOT/deploy/postgresql" "$key"; then
  ln -f "$PG_TAR" "$ROOT/deploy/postgresql/rootfs.tar" 2>/dev/null || cp "$PG_TAR" "$ROOT/deploy/postgresql/rootfs.tar"
  echo "$key" >"$ROOT/deploy/postgresql/.rootfs.stamp"
fi
log "ready: deploy/{postgresql,temporal,temporal-ui}/rootfs.tar"
