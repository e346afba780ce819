#!/usr/bin/env bash
# The anycast example on one machine (root): builds the namespaces, starts
# BIRD on the router, and in each site two web servers, `lvs7 start -c
# siteX.yaml` and ExaBGP (running `lvs7 bgp-announcer`), then shows failover
# from the client's side:
#
#   siteA healthy -> siteA's web servers stop -> they are back
#     -> siteA's lvs7 killed -> restarted -> siteA overloaded (overflow to siteB)
#
# Everything is removed on exit (Ctrl-C included). `KEEP=1 run.sh` stays up
# after the walk-through until Ctrl-C so you can poke around (see README.md).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
P=${PREFIX:-lvs7demo-$$}
dir=$(mktemp -d /tmp/lvs7-anycast.XXXXXX)
NODE=${NODE:-$(command -v node)}
export NODE

[ "$(id -u)" -eq 0 ] || { echo "run.sh: needs root (network namespaces)" >&2; exit 1; }
for tool in ip bird birdc exabgp curl "$NODE"; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (bash scripts/install-test-deps.sh)" >&2; exit 1; }
done
if [ ! -f "$root/packages/cli/dist/main.js" ]; then
  (cd "$root" && npx tsc -b)
fi

cleanup() {
  local status=$?
  "$here/netns.sh" down "$P" || true
  if [ "$status" -eq 0 ]; then rm -rf "$dir"; else echo "run.sh: failed ($status); logs kept in $dir" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_ns() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
client_get() { in_ns client curl -s --max-time 2 http://192.0.2.10/ || true; }
# wait_for SITE: curl the VIP from the client until SITE answers; prints the time taken.
wait_for() {
  local want=$1 t0=$2 got=''
  while [ "$got" != "$want" ]; do
    got=$(client_get)
    [ $(( $(ms) - t0 )) -lt 30000 ] || { echo "  still '$got' after 30 s" >&2; return 1; }
  done
  echo "  client now reaches $want, $(( $(ms) - t0 )) ms after the change"
}
# Not through in_ns: $! must be the node process itself (ip netns exec execs it), not a subshell.
start_backends() {
  local site=$1 name
  for name in web1 web2; do
    ip netns exec "$P-$site" "$NODE" "$here/backend.mjs" "$site" "$name" "127.0.0.1:808${name#web}" \
      >>"$dir/$site-$name.log" 2>&1 &
    echo $! >"$dir/$site-$name.pid"
    disown
  done
}
stop_backends() { kill -9 "$(cat "$dir/$1-web1.pid")" "$(cat "$dir/$1-web2.pid")"; }
start_lvs7() {
  local log="$dir/lvs7-$1.log" before
  before=$(grep -c '"lvs7 started"' "$log" 2>/dev/null || true)
  ip netns exec "$P-$1" "$NODE" "$root/packages/cli/bin/lvs7.js" start -c "$here/$1.yaml" >>"$log" 2>&1 &
  echo $! >"$dir/lvs7-$1.pid"
  disown
  # A cold start takes a second or two, much longer on a busy machine.
  for _ in $(seq 1 600); do
    [ "$(grep -c '"lvs7 started"' "$log")" -gt "${before:-0}" ] && return 0
    sleep 0.1
  done
  echo "run.sh: lvs7 in $1 did not start; see $dir/lvs7-$1.log" >&2
  return 1
}

echo "== namespaces $P-{client,router,siteA,siteB}; logs in $dir"
"$here/netns.sh" up "$P"
for site in siteA siteB; do
  start_backends "$site"
  start_lvs7 "$site"
done
in_ns router bird -f -c "$here/bird.conf" -s "$dir/bird.ctl" -P "$dir/bird.pid" >"$dir/bird.log" 2>&1 &
disown
for site in siteA siteB; do
  env exabgp.daemon.user=root exabgp.daemon.drop=false exabgp.api.cli=false exabgp.api.respawn=true \
    exabgp.log.destination=stdout ip netns exec "$P-$site" exabgp "$here/exabgp-$site.conf" >"$dir/exabgp-$site.log" 2>&1 &
  disown
done

echo "== waiting for BIRD to learn the VIP from both sites"
for _ in $(seq 1 200); do
  routes=$(in_ns router birdc -s "$dir/bird.ctl" show route 192.0.2.10/32 2>/dev/null || true)
  if [[ "$routes" == *siteA* && "$routes" == *siteB* ]]; then break; fi
  sleep 0.2
done
in_ns router birdc -s "$dir/bird.ctl" show route 192.0.2.10/32 all
echo "  client gets: $(client_get)"

echo "== siteA's web servers stop: its health checks (every 200 ms, fall 2) find them gone"
t0=$(ms); stop_backends siteA; wait_for siteB "$t0"
echo "== siteA's web servers are back (rise 2)"
t0=$(ms); start_backends siteA; wait_for siteA "$t0"
echo "== siteA's lvs7 is killed: its announcer's polls fail twice, then it withdraws"
t0=$(ms); kill -9 "$(cat "$dir/lvs7-siteA.pid")"; wait_for siteB "$t0"
echo "== siteA's lvs7 restarts"
t0=$(ms); start_lvs7 siteA; wait_for siteA "$t0"
echo "== siteA overloaded: 14 requests in flight, each held 2 s (capacity 10: load 1.4 > 1.1)"
echo "   siteA keeps ~10, sends the rest to siteB (answers 'siteB (overflow from siteA)')"
in_ns client "$NODE" "$here/load.mjs" --url 'http://192.0.2.10/hold?ms=2000' --concurrency 14 --duration 8000
echo "== siteB's GET /api/site (overflow.traffic: what it received from siteA)"
in_ns siteB curl -s http://127.0.0.1:9900/api/site; echo

if [ "${KEEP:-0}" = 1 ]; then
  echo "== up until Ctrl-C: e.g. ip netns exec $P-client curl http://192.0.2.10/"
  sleep infinity &
  wait $!
fi
