#!/usr/bin/env bash
# The benchmark's baseline: the same work as `overlayctl up` (and `down`) on the local
# provider for the tutorial's topology, done directly with ip, nsenter, iptables and the
# docker CLI: no Temporal, no checks beyond what `up` runs, parallel wherever it can be.
# The fastest honest way to build that cluster here.
#   bench/baseline.sh up   CLUSTER NET      (NET: the first three octets, e.g. 10.250.0)
#   bench/baseline.sh down CLUSTER NET
set -euo pipefail
CMD=$1 C=$2 NET=$3
CACHE=${OVERLAYCTL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/overlayctl}
IMAGES="$CACHE/images"
RUN=/run/ovlbase/$C
STATE=/tmp/ovlbase/$C
BR="ovb$(printf %s "$C" | sha256sum | cut -c1-8)"
HOSTS=(manager node1 node2 node3)
declare -A IP=([manager]=$NET.10 [node1]=$NET.11 [node2]=$NET.12 [node3]=$NET.13)
declare -A NEEDS=([manager]="consul" [node1]="probe mysql" [node2]="probe nginx" [node3]="probe busybox mysql")
ns() { echo "ovb_${C}_$1"; }
sock() { echo "unix://$RUN/$1/docker.sock"; }
d() { local h=$1; shift; docker -H "$(sock "$h")" "$@"; }
members() { for h in "${HOSTS[@]}"; do echo "${IP[$h]}"; done; }

firewall() { # host exposed(0|1)
  local h=$1 exposed=$2 rules=()
  for m in $(members); do
    [ "$h" = node1 ] && rules+=("-s $m/32 -p tcp -m tcp --dport 2377")
    [ "$h" != manager ] && rules+=("-s $m/32 -p tcp -m tcp --dport 7946" "-s $m/32 -p udp -m udp --dport 7946" "-s $m/32 -p udp -m udp --dport 4789" "-s $m/32 -p esp")
    [ "$h" = manager ] && rules+=("-s $m/32 -p tcp -m tcp --dport 8500")
    rules+=("-s $m/32 -p icmp")
  done
  [ "$h" = node2 ] && [ "$exposed" = 1 ] && rules+=("-p tcp -m tcp --dport 80")
  {
    echo '*mangle'; echo ':BASELINE-SG - [0:0]'; echo '-F BASELINE-SG'
    echo '-A BASELINE-SG -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN'
    for r in "${rules[@]}"; do echo "-A BASELINE-SG $r -j RETURN"; done
    echo '-A BASELINE-SG -j DROP'; echo 'COMMIT'
  } | nsenter --net=/var/run/netns/"$(ns "$h")" iptables-restore -w --noflush
  nsenter --net=/var/run/netns/"$(ns "$h")" iptables -w -t mangle -C PREROUTING -i eth0 -j BASELINE-SG 2>/dev/null ||
    nsenter --net=/var/run/netns/"$(ns "$h")" iptables -w -t mangle -I PREROUTING 1 -i eth0 -j BASELINE-SG
}

load() { # host image
  local h=$1 name=$2 changes=()
  while IFS= read -r c; do changes+=(-c "$c"); done < <(node -e 'for (const c of require(process.argv[1]).changes) console.log(c)' "$IMAGES/$name.json")
  d "$h" import "${changes[@]}" "$IMAGES/$name.tar" "$name:latest" >/dev/null
}

host_up() {
  local h=$1 n; n=$(ns "$h")
  ip netns add "$n"
  ip link add "ovb${C:0:4}$h" type veth peer name eth0 netns "$n"
  ip link set "ovb${C:0:4}$h" master "$BR" up
  ip -n "$n" addr add "${IP[$h]}/24" dev eth0
  ip -n "$n" link set eth0 up
  ip -n "$n" link set lo up
  firewall "$h" 0
  mkdir -p "$RUN/$h" "$STATE/$h"
  echo '{}' >"$RUN/$h/daemon.json"
  # ( ... &): the engine is not this shell's child, so no `wait` ever waits for it
  (setsid nsenter --net=/var/run/netns/"$n" unshare --uts -- sh -c 'hostname "$0" && exec "$@"' "$C-$h" \
    dockerd --config-file "$RUN/$h/daemon.json" --data-root "$STATE/$h/docker" --exec-root "$RUN/$h/exec" \
    --pidfile "$RUN/$h/dockerd.pid" -H "$(sock "$h")" --cgroup-parent "/ovb_${C}_$h" --userland-proxy=false \
    >"$STATE/$h/dockerd.log" 2>&1 </dev/null &)
  until d "$h" version >/dev/null 2>&1; do sleep 0.05; done
  for image in ${NEEDS[$h]}; do load "$h" "$image" & done
  wait
}

up() {
  mkdir -p "$RUN" "$STATE"
  ip link add "$BR" type bridge && ip addr add "$NET.1/24" dev "$BR" && ip link set "$BR" up
  iptables -w -I FORWARD 1 -i "$BR" -o "$BR" -m comment --comment "baseline:$C" -j ACCEPT
  for h in "${HOSTS[@]}"; do host_up "$h" & done
  wait
  # consul on the manager, with a leader
  d manager run -d --name consul --network host consul agent -server -bootstrap-expect=1 -data-dir=/consul/data "-bind=${IP[manager]}" -client=0.0.0.0 -ui -node=manager -hcl='performance { raft_multiplier = 1 }' >/dev/null
  until d manager exec consul consul kv put overlayctl/ready true >/dev/null 2>&1; do sleep 0.1; done
  # swarm: node1 manager, join token and address through Consul's KV store
  d node1 swarm init --advertise-addr "${IP[node1]}" >/dev/null
  d node1 swarm join-token -q worker | d manager exec -i consul consul kv put swarm/token - >/dev/null
  echo "${IP[node1]}:2377" | d manager exec -i consul consul kv put swarm/manager - >/dev/null
  for h in node1 node2 node3; do
    (
      d "$h" run --rm --network host -e "PROBE_BODY={\"Node\":\"$h\",\"Address\":\"${IP[$h]}\"}" probe http PUT "http://${IP[manager]}:8500/v1/catalog/register" >/dev/null
      if [ "$h" != node1 ]; then
        token=$(d "$h" run --rm --network host probe http GET "http://${IP[manager]}:8500/v1/kv/swarm/token?raw")
        addr=$(d "$h" run --rm --network host probe http GET "http://${IP[manager]}:8500/v1/kv/swarm/manager?raw")
        d "$h" swarm join --token "$token" --advertise-addr "${IP[$h]}" "$addr" >/dev/null
      fi
    ) &
  done
  wait
  d node1 network create -d overlay --attachable --subnet 10.0.9.0/24 private-net >/dev/null
  PW=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  echo "$PW" >"$STATE/pw"
  (d node1 run -d --name database --net private-net -e "MYSQL_ROOT_PASSWORD=$PW" mysql >/dev/null
   until d node1 exec database mariadb-admin ping --silent >/dev/null 2>&1; do sleep 0.2; done) &
  d node2 run -d --name web --net private-net nginx >/dev/null &
  wait
  checks
  # expose web: the rule first, then the container with its port
  firewall node2 1
  d node2 rm -f web >/dev/null
  d node2 run -d --name web --net private-net -p 80:80 nginx >/dev/null
  until curl -s --max-time 2 "http://${IP[node2]}/" | grep -q 'Welcome to nginx'; do sleep 0.2; done
}

retry() { local i; for i in $(seq 1 40); do "$@" && return 0; sleep 0.5; done; echo "check failed: $*" >&2; return 1; }
check_dns() { d node3 run --rm --net private-net busybox nslookup "$1" >/dev/null 2>&1; }
check_http() { d node3 run --rm --net private-net busybox timeout 10 wget -qO- http://web/ | grep -q 'Welcome to nginx'; }
check_tcp() { d node3 run --rm --net private-net busybox sh -c 'timeout 5 nc database 3306 </dev/null | head -c 1 | grep -q .'; }
check_sql() { d node3 run --rm --net private-net -e "MYSQL_PWD=$(cat "$STATE/pw")" mysql mysql -h database -uroot -e 'select 1' >/dev/null; }
check_swarm() { [ "$(d node1 node ls -q | wc -l)" = 3 ]; }
check_catalog() { d node3 run --rm --network host probe http GET "http://${IP[manager]}:8500/v1/catalog/nodes" >/dev/null; }
closed() { ! timeout 1.5 bash -c "</dev/tcp/${1%:*}/${1#*:}" 2>/dev/null; }
checks() {
  local pids=() p
  retry check_dns web & pids+=($!)
  retry check_dns database & pids+=($!)
  retry check_http & pids+=($!)
  retry check_tcp & pids+=($!)
  retry check_sql & pids+=($!)
  retry check_swarm & pids+=($!)
  retry check_catalog & pids+=($!)
  for target in "${IP[node1]}:2377" "${IP[node1]}:7946" "${IP[node2]}:7946" "${IP[node3]}:7946" "${IP[manager]}:8500" "${IP[node2]}:80"; do
    closed "$target" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
}

host_down() {
  local h=$1 n pid; n=$(ns "$h")
  if [ -f "$RUN/$h/dockerd.pid" ]; then
    d "$h" ps -aq 2>/dev/null | xargs -r docker -H "$(sock "$h")" rm -f >/dev/null 2>&1 || true
    pid=$(cat "$RUN/$h/dockerd.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  # whatever the engine left in its namespace and cgroups
  for p in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
  grep -oE " ($RUN|$STATE)/$h[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  for cg in /sys/fs/cgroup/*/"ovb_${C}_$h"; do [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null; done
  ip netns del "$n" 2>/dev/null || true
  rm -rf "${RUN:?}/$h" "${STATE:?}/$h"
}

down() {
  for h in "${HOSTS[@]}"; do host_down "$h" & done
  wait
  while iptables -w -C FORWARD -i "$BR" -o "$BR" -m comment --comment "baseline:$C" -j ACCEPT 2>/dev/null; do
    iptables -w -D FORWARD -i "$BR" -o "$BR" -m comment --comment "baseline:$C" -j ACCEPT
  done
  ip link del "$BR" 2>/dev/null || true
  rm -rf "$RUN" "$STATE"
  rmdir /run/ovlbase /tmp/ovlbase 2>/dev/null || true
}

"$CMD"
