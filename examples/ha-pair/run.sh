#!/usr/bin/env bash
# The ha-pair example on one machine (root): two lvs7 nodes and keepalived
# sharing the VIP 10.88.0.100 by VRRP, in network namespaces this script
# creates (see netns.sh), with two web servers and Redis behind them and a
# client sending a request to the VIP every 50 ms.
#
#   run.sh demo   (default) kills lvsA's lvs7, brings it back, kills lvsA's
#                 keepalived, brings it back, stops it cleanly, starts it;
#                 the client shows who serves it and how long each gap was
#   run.sh up     builds everything and stays up until Ctrl-C
#
# Everything (namespaces, processes, the temp dir) is removed on exit; the
# logs stay in the temp dir when something failed, or with KEEP_LOGS=1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mode=${1:-demo}
P=${PREFIX:-lvs7ha-$$}
NODE=${NODE:-$(command -v node)}
VIP=10.88.0.100

[ "$mode" = demo ] || [ "$mode" = up ] || { echo "usage: $0 [demo|up]" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "run.sh: needs root (network namespaces)" >&2; exit 1; }
for tool in ip keepalived redis-server curl "$NODE"; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (bash scripts/install-test-deps.sh)" >&2; exit 1; }
done
if [ ! -f "$root/packages/cli/dist/main.js" ]; then
  (cd "$root" && npx tsc -b)
fi
dir=$(mktemp -d /tmp/lvs7-ha-pair.XXXXXX)
mkdir "$dir/run"

cleanup() {
  local status=$?
  # Our own background jobs on the host (tail, sleep); the rest lives in the namespaces.
  local jobs
  jobs=$(jobs -p)
  [ -n "$jobs" ] && kill $jobs 2>/dev/null || true
  "$here/netns.sh" down "$P" || true
  if [ "$status" -ne 0 ]; then echo "run.sh: failed ($status); logs kept in $dir" >&2
  elif [ "${KEEP_LOGS:-0}" = 1 ]; then echo "run.sh: logs kept in $dir"
  else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

clock() { date +%H:%M:%S.%3N; }
say() { echo "$(clock)  == $*"; }
# bg NAME HOST COMMAND...: runs COMMAND in HOST's namespace, logs to $dir/NAME.log.
# Not in a subshell: $! is the process itself (ip netns exec execs it).
bg() {
  local name=$1 host=$2; shift 2
  ip netns exec "$P-$host" "$@" >>"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
  disown
}
# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.1 s.
wait_until() {
  local limit=$(( $1 * 10 )) what=$2; shift 2
  for _ in $(seq "$limit"); do "$@" && return 0; sleep 0.1; done
  echo "run.sh: timed out waiting for $what" >&2
  return 1
}
healthy() { ip netns exec "$P-$1" curl -fs -o /dev/null --max-time 1 http://127.0.0.1:9900/api/health; }
holds_vip() { ip -n "$P-$1" -4 addr show dev eth0 | grep -q " $VIP/"; }
# served_by NODE: the client's latest line says NODE serves it.
served_by() { tail -n 1 "$dir/client.log" | grep -q "served by $1"; }

start_lvs7() { bg "lvs7-$1" "$1" "$NODE" "$root/packages/cli/bin/lvs7.js" start -c "$here/lvs7.yaml"; }
start_keepalived() {
  local conf
  conf=$("$here/netns.sh" keepalived-conf "$1" "$dir")
  rm -f "$dir/run/keepalived-$1.pid" "$dir/run/vrrp-$1.pid" "$dir/run/checkers-$1.pid"
  # -n: stay in the foreground; -l -D: detailed log on the console (no syslog: -G);
  # -P: VRRP only (no IPVS checkers); pid files of our own, never /run/keepalived.pid.
  bg "keepalived-$1" "$1" keepalived -n -l -D -G -P -f "$conf" \
    -p "$dir/run/keepalived-$1.pid" -r "$dir/run/vrrp-$1.pid" -c "$dir/run/checkers-$1.pid"
}
# A crash: stop the parent first so it cannot respawn its VRRP child, then SIGKILL both.
kill_keepalived() {
  local parent child
  parent=$(cat "$dir/run/keepalived-$1.pid")
  child=$(cat "$dir/run/vrrp-$1.pid" 2>/dev/null || true)
  kill -STOP "$parent"
  [ -n "$child" ] && kill -9 "$child" 2>/dev/null || true
  kill -9 "$parent"
}
vip_where() {
  local n where=''
  for n in lvsA lvsB; do holds_vip "$n" && where="$where $n"; done
  echo "VIP $VIP is on:${where:- nobody}"
}

say "namespaces $P-{lan,client,lvsA,lvsB,backend}; logs in $dir"
"$here/netns.sh" up "$P"
# Redis listens only on the backend's namespace address; protected mode would
# refuse the lvs7 nodes (they are not loopback) and there is no password here.
bg redis backend redis-server --port 6379 --bind 10.88.0.20 --protected-mode no --save '' --appendonly no
bg web backend "$NODE" "$here/backend.mjs" web1=10.88.0.21:8080 web2=10.88.0.22:8080
start_lvs7 lvsA
start_lvs7 lvsB
wait_until 120 "lvs7 on lvsA and lvsB" bash -c "$(declare -f healthy); P=$P; healthy lvsA && healthy lvsB"
start_keepalived lvsA
start_keepalived lvsB
wait_until 20 "lvsA to take the VIP" holds_vip lvsA
say "$(vip_where)"

: >"$dir/client.log"
bg client client "$NODE" "$here/client.mjs" "http://$VIP/" --interval 50
tail -n +1 -f "$dir/client.log" &
wait_until 30 "the client to reach lvsA" served_by lvsA

if [ "$mode" = up ]; then
  say "up until Ctrl-C: e.g. ip netns exec $P-lvsA curl -s http://127.0.0.1:9900/api/health"
  sleep infinity &
  wait $!
fi

sleep 1
say "SIGKILL lvsA's lvs7: its /api/health check fails twice (fall 2, 1 s apart), lvsA goes FAULT"
kill -9 "$(cat "$dir/lvs7-lvsA.pid")"
wait_until 15 "lvsB to serve" served_by lvsB
say "$(vip_where)"
sleep 1
say "restart lvsA's lvs7: two passing checks (rise 2), then lvsA (150) preempts lvsB (100)"
start_lvs7 lvsA
wait_until 90 "lvsA to serve again" served_by lvsA
say "$(vip_where)"
sleep 1
say "SIGKILL lvsA's keepalived: no more advertisements; lvsB takes over after 3 × 0.2 s + skew"
kill_keepalived lvsA
wait_until 15 "lvsB to serve" served_by lvsB
say "$(vip_where) (a killed keepalived cannot remove its VIP; lvsB's gratuitous ARPs win the client)"
sleep 1
say "restart lvsA's keepalived: it clears the stale VIP, then preempts"
start_keepalived lvsA
wait_until 15 "lvsA to serve again" served_by lvsA
say "$(vip_where)"
sleep 1
say "stop lvsA's keepalived cleanly (SIGTERM), as for maintenance: priority-0 advert, lvsB at once"
kill -TERM "$(cat "$dir/run/keepalived-lvsA.pid")"
wait_until 15 "lvsB to serve" served_by lvsB
say "$(vip_where)"
sleep 1
say "start lvsA's keepalived again"
start_keepalived lvsA
wait_until 15 "lvsA to serve again" served_by lvsA
say "$(vip_where)"
sleep 1
say "drain web2 through lvsA's admin API; lvsB has the change through Redis"
ip netns exec "$P-lvsA" "$NODE" "$root/packages/cli/bin/lvs7.js" server set web web2 --state drain \
  --admin http://127.0.0.1:9900
sleep 0.5
ip netns exec "$P-lvsB" "$NODE" "$root/packages/cli/bin/lvs7.js" status --admin http://127.0.0.1:9900
say "done"
