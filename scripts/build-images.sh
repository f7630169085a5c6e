#!/usr/bin/env bash
# Builds the images the tutorial uses, offline (no registry is reachable here), from
# Debian packages and Go-built binaries, into $CACHE/images/<name>.tar (a root file
# system, imported into each engine as `docker import` does) and <name>.json (tag,
# config changes, recipe key). An image is rebuilt only when its recipe key changes.
#   mysql   MariaDB server + client (speaks the MySQL protocol, has the `mysql` command)
#   nginx   nginx-light
#   busybox busybox-static
#   consul  Consul (MPL-2.0 build from scripts/setup.sh)
#   probe   overlayctl's tiny HTTP client (tools/probe)
#   etcd    etcd + etcdctl from Debian: the engines' cluster store in classic mode where
#           dockerd has no Consul backend (Debian's docker.io is built without it)
#   iperf3  iperf3 and ping, for the benchmark's data-plane case (only when named:
#           `scripts/build-images.sh iperf3`)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/versions.sh
source "$ROOT/scripts/versions.sh"
log() { printf 'images: %s\n' "$*" >&2; }

mkdir -p "$IMAGES_DIR"
WORK=$(mktemp -d "$IMAGES_DIR/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# An image's recipe key: its build function, the shared helpers and its inputs, so that
# editing one recipe rebuilds only that image.
recipe_key() { # name inputs...
  local name=$1; shift
  { declare -f "build_$name" finish static_root debootstrap_root; printf '%s\n' "$@"; } | sha256sum | cut -c1-16
}

current() { # name key -> 0 when the cached image matches the recipe
  [ -f "$IMAGES_DIR/$1.tar" ] && [ -f "$IMAGES_DIR/$1.json" ] && grep -q "\"recipe\": \"$2\"" "$IMAGES_DIR/$1.json"
}

# finish NAME KEY ROOTFS CHANGES-JSON-ARRAY DESCRIPTION: pack the rootfs, then write the
# metadata last, so a crash never leaves a json pointing at a half-written tar.
finish() {
  local name=$1 key=$2 dir=$3 changes=$4 desc=$5
  tar --numeric-owner --xattrs -C "$dir" -cf "$IMAGES_DIR/$name.tar.tmp" \
    --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* .
  mv "$IMAGES_DIR/$name.tar.tmp" "$IMAGES_DIR/$name.tar"
  cat >"$IMAGES_DIR/$name.json.tmp" <<EOF
{
  "name": "$name",
  "tag": "latest",
  "recipe": "$key",
  "description": "$desc",
  "bytes": $(stat -c %s "$IMAGES_DIR/$name.tar"),
  "changes": $changes
}
EOF
  mv "$IMAGES_DIR/$name.json.tmp" "$IMAGES_DIR/$name.json"
  log "$name ready ($(du -h "$IMAGES_DIR/$name.tar" | cut -f1))"
}

# A root file system holding only static binaries.
static_root() {
  local dir=$1
  mkdir -p "$dir"/{etc,tmp,root,usr/local/bin}
  chmod 1777 "$dir/tmp"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/etc/passwd"
  echo 'root:x:0:' >"$dir/etc/group"
  echo 'hosts: files dns' >"$dir/etc/nsswitch.conf"
}

debootstrap_root() { # dir packages
  local dir=$1 pkgs=$2
  # a download cache per build: the debootstraps run in parallel
  mkdir -p "$dir.debs"
  debootstrap --variant=minbase --include="$pkgs" --cache-dir="$dir.debs" \
    "$DEBIAN_SUITE" "$dir" "$DEBIAN_MIRROR" >"$dir.log" 2>&1 || { tail -20 "$dir.log" >&2; return 1; }
  # What a container never needs: package caches and lists, docs, manuals, translations.
  rm -rf "$dir"/var/cache/apt/* "$dir"/var/lib/apt/lists/* "$dir"/usr/share/doc/* \
    "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/usr/share/locale/*
  # logs: keep the directories (nginx refuses to start without /var/log/nginx)
  find "$dir/var/log" -type f -delete
}

build_busybox() {
  local deb version key dir
  version=$(apt-cache policy busybox-static 2>/dev/null | awk '/Candidate/ {print $2}')
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    apt-get update -qq
    version=$(apt-cache policy busybox-static | awk '/Candidate/ {print $2}')
  fi
  key=$(recipe_key busybox "$version")
  current busybox "$key" && return
  log "building busybox ($version)"
  dir="$WORK/busybox"
  static_root "$dir"
  # (apt warns that _apt cannot write into a private folder and downloads as root)
  (cd "$WORK" && apt-get download -qq busybox-static >/dev/null 2>&1) || (cd "$WORK" && apt-get download busybox-static)
  deb=$(ls "$WORK"/busybox-static_*.deb)
  dpkg-deb -x "$deb" "$WORK/busybox-deb"
  mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin}
  cp "$WORK/busybox-deb/bin/busybox" "$dir/bin/busybox"
  for applet in $("$dir/bin/busybox" --list-full); do
    [ -e "$dir/$applet" ] || ln -s /bin/busybox "$dir/$applet"
  done
  finish busybox "$key" "$dir" '["CMD [\"sh\"]", "LABEL org.opencontainers.image.description=\"busybox (Debian busybox-static)\""]' "busybox from Debian busybox-static $version"
}

build_nginx() {
  local key dir
  key=$(recipe_key nginx "$DEBIAN_SUITE")
  current nginx "$key" && return
  log "building nginx (debootstrap $DEBIAN_SUITE + nginx-light, about a minute)"
  dir="$WORK/nginx"
  debootstrap_root "$dir" nginx-light
  finish nginx "$key" "$dir" '["CMD [\"nginx\", \"-g\", \"daemon off;\"]", "EXPOSE 80", "LABEL org.opencontainers.image.description=\"nginx (Debian nginx-light)\""]' "nginx from Debian $DEBIAN_SUITE nginx-light"
}

build_mysql() {
  local key dir
  key=$(recipe_key mysql "$DEBIAN_SUITE")
  current mysql "$key" && return
  log "building mysql (debootstrap $DEBIAN_SUITE + MariaDB, about a minute)"
  dir="$WORK/mysql"
  debootstrap_root "$dir" mariadb-server,mariadb-client
  # MariaDB speaks the MySQL protocol and ships the `mysql` command (a link to mariadb).
  # Offline tools the image never runs: keep it small, it is loaded into several engines.
  rm -f "$dir"/usr/bin/aria_* "$dir"/usr/bin/myisam* "$dir"/usr/bin/mariadb-binlog "$dir"/usr/bin/mysqlbinlog
  cat >"$dir/etc/mysql/mariadb.conf.d/90-overlayctl.cnf" <<'EOF'
# overlayctl: a small footprint, reachable over the overlay network
[mariadbd]
bind-address = 0.0.0.0
skip-name-resolve
innodb_buffer_pool_size = 32M
innodb_log_file_size = 8M
EOF
  # Initialise the data directory at build time (with the smaller redo log) so the
  # first start takes a second, not a bootstrap.
  rm -rf "$dir/var/lib/mysql"/*
  chroot "$dir" mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db --force >"$dir.init.log" 2>&1 \
    || { tail -20 "$dir.init.log" >&2; return 1; }
  mkdir -p "$dir/run/mysqld" && chroot "$dir" chown mysql:mysql /run/mysqld
  cat >"$dir/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# Like the official image: MYSQL_ROOT_PASSWORD (or MARIADB_ROOT_PASSWORD) gives root a
# password login from any address; any other command (e.g. `mysql -h database`) runs as is.
set -e
case "$1" in
mariadbd | mysqld)
  pw=${MYSQL_ROOT_PASSWORD:-${MARIADB_ROOT_PASSWORD:-}}
  if [ -n "$pw" ]; then
    esc=$(printf '%s' "$pw" | sed -e 's/\\/\\\\/g' -e "s/'/''/g")
    init=/run/mysqld/overlayctl-init.sql
    umask 077
    cat >"$init" <<SQL
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '$esc';
ALTER USER 'root'@'%' IDENTIFIED BY '$esc';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
    chown mysql:mysql "$init"
    set -- "$@" "--init-file=$init"
  fi
  ;;
esac
exec "$@"
EOF
  chmod 755 "$dir/usr/local/bin/docker-entrypoint.sh"
  finish mysql "$key" "$dir" '["ENTRYPOINT [\"/usr/local/bin/docker-entrypoint.sh\"]", "CMD [\"mariadbd\", \"--user=mysql\"]", "EXPOSE 3306", "LABEL org.opencontainers.image.description=\"MySQL-compatible server and client (MariaDB from Debian)\""]' "MariaDB from Debian $DEBIAN_SUITE: MySQL-compatible server and the mysql client"
}

build_consul() {
  local key dir
  key=$(recipe_key consul "$CONSUL_VERSION")
  current consul "$key" && return
  log "building consul image ($CONSUL_VERSION)"
  dir="$WORK/consul"
  static_root "$dir"
  mkdir -p "$dir/consul/data"
  cp "$CONSUL_BIN" "$dir/usr/local/bin/consul"
  finish consul "$key" "$dir" '["ENTRYPOINT [\"/usr/local/bin/consul\"]", "CMD [\"agent\", \"-dev\", \"-client\", \"0.0.0.0\"]", "ENV PATH=/usr/local/bin", "LABEL org.opencontainers.image.description=\"Consul '"$CONSUL_VERSION"' (MPL-2.0), built from its Go module\""]' "Consul $CONSUL_VERSION (MPL-2.0)"
}

build_probe() {
  local key dir
  key=$(recipe_key probe "$PROBE_HASH")
  current probe "$key" && return
  log "building probe image"
  dir="$WORK/probe"
  static_root "$dir"
  cp "$PROBE_BIN" "$dir/usr/local/bin/probe"
  finish probe "$key" "$dir" '["ENTRYPOINT [\"/usr/local/bin/probe\"]", "LABEL org.opencontainers.image.description=\"overlayctl probe: a static HTTP client\""]' "overlayctl probe (tools/probe)"
}

build_etcd() {
  local version key dir pkg
  version=$(apt-cache policy etcd-server 2>/dev/null | awk '/Candidate/ {print $2}')
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    apt-get update -qq
    version=$(apt-cache policy etcd-server | awk '/Candidate/ {print $2}')
  fi
  key=$(recipe_key etcd "$version" "$DEBIAN_SUITE")
  current etcd "$key" && return
  log "building etcd ($version)"
  dir="$WORK/etcd"
  static_root "$dir"
  mkdir -p "$dir/var/lib/etcd"
  # Debian's binaries link libc only: take it from Debian's package too, not from this machine
  for pkg in etcd-server etcd-client libc6; do
    (cd "$WORK" && apt-get download -qq "$pkg" >/dev/null 2>&1) || (cd "$WORK" && apt-get download "$pkg")
    dpkg-deb -x "$WORK"/"$pkg"_*.deb "$WORK/etcd-deb"
  done
  cp "$WORK/etcd-deb/usr/bin/etcd" "$WORK/etcd-deb/usr/bin/etcdctl" "$dir/usr/local/bin/"
  mkdir -p "$dir/lib/x86_64-linux-gnu" "$dir/lib64"
  cp -L "$WORK/etcd-deb/lib/x86_64-linux-gnu/libc.so.6" "$dir/lib/x86_64-linux-gnu/"
  cp -L "$WORK/etcd-deb/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$dir/lib/x86_64-linux-gnu/"
  ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$dir/lib64/ld-linux-x86-64.so.2"
  finish etcd "$key" "$dir" '["ENTRYPOINT [\"/usr/local/bin/etcd\"]", "ENV PATH=/usr/local/bin ETCDCTL_API=2", "LABEL org.opencontainers.image.description=\"etcd (Debian etcd-server, v2 API enabled by its command)\""]' "etcd $version from Debian"
}

build_iperf3() {
  local key dir
  key=$(recipe_key iperf3 "$DEBIAN_SUITE")
  current iperf3 "$key" && return
  log "building iperf3 (debootstrap $DEBIAN_SUITE + iperf3, about a minute)"
  dir="$WORK/iperf3"
  debootstrap_root "$dir" iperf3,iputils-ping
  finish iperf3 "$key" "$dir" '["CMD [\"iperf3\", \"-s\"]", "LABEL org.opencontainers.image.description=\"iperf3 and ping (Debian)\""]' "iperf3 and ping from Debian $DEBIAN_SUITE"
}

# Named images only (e.g. the benchmark's iperf3), else the ones the tutorial runs.
if [ $# -gt 0 ]; then
  for name in "$@"; do "build_$name"; done
  exit 0
fi

build_busybox
build_etcd
build_consul
build_probe
# The two debootstraps download and unpack in parallel.
build_nginx & nginx_pid=$!
build_mysql & mysql_pid=$!
status=0
wait "$nginx_pid" || { log "nginx image failed"; status=1; }
wait "$mysql_pid" || { log "mysql image failed"; status=1; }
exit "$status"
