#!/usr/bin/env bash
# The anycast example on one machine (root): builds the namespaces, starts
# BIRD on the router, a web backend + site admin + ExaBGP (running lvs7's
# announcer) in each site, then shows failover from the client's side:
#
#   siteA healthy -> siteA unhealthy -> siteA recovered -> siteA's lvs7 killed
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
if [ ! -f "$root/packages/site/dist/index.js" ]; then
  (cd "$root" && npx tsc -b packages/site)
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
client_get() { in_ns client curl -s --max-time 1 http://192.0.2.10/ || true; }
# wait_for SITE: curl the VIP from the client until SITE answers; prints the time taken.
wait_for() {
  local want=$1 t0=$2 got=''
  while [ "$got" != "$want" ]; do
    got=$(client_get)
    [ $(( $(ms) - t0 )) -lt 15000 ] || { echo "  still '$got' after 15 s" >&2; return 1; }
  done
  echo "  client now reaches $want, $(( $(ms) - t0 )) ms after the change"
}
set_state() { in_ns siteA curl -s -o /dev/null -X PATCH -H 'content-type: application/json' \
  -d "{\"state\":\"$1\"}" http://127.0.0.1:9900/api/pools/web/servers/web1; }

start_admin() {
  local site=$1 address=$2 peer=$3
  # Not through in_ns: $! must be the node process itself (ip netns exec execs it), not a subshell.
  ip netns exec "$P-$site" "$NODE" "$here/site-admin.mjs" --name "$site" --address "$address" \
    --listen 0.0.0.0:9900 --server web1=192.0.2.10:80 --peer "$peer" >>"$dir/admin-$site.log" 2>&1 &
  echo $! >"$dir/admin-$site.pid"
  disown
}

echo "== namespaces $P-{client,router,siteA,siteB}; logs in $dir"
"$here/netns.sh" up "$P"
for site in siteA siteB; do
  in_ns "$site" "$NODE" "$here/backend.mjs" "$site" 192.0.2.10 80 >"$dir/backend-$site.log" 2>&1 &
  disown
done
start_admin siteA 10.77.1.2 siteB=http://10.77.2.2:9900,10.77.2.2
start_admin siteB 10.77.2.2 siteA=http://10.77.1.2:9900,10.77.1.2
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

echo "== siteA's only web server goes into maintenance (healthy share 0% < 50%)"
t0=$(ms); set_state maint; wait_for siteB "$t0"
echo "== siteA's web server is back"
t0=$(ms); set_state ready; wait_for siteA "$t0"
echo "== siteA's lvs7 (the admin stand-in) is killed: two failed polls, then withdraw"
t0=$(ms); kill -9 "$(cat "$dir/admin-siteA.pid")"; wait_for siteB "$t0"
echo "== siteA's lvs7 restarts"
t0=$(ms); start_admin siteA 10.77.1.2 siteB=http://10.77.2.2:9900,10.77.2.2; wait_for siteA "$t0"
echo "== siteB's GET /api/site (with what it reads from peer siteA)"
in_ns siteB curl -s http://127.0.0.1:9900/api/site; echo

if [ "${KEEP:-0}" = 1 ]; then
  echo "== up until Ctrl-C: e.g. ip netns exec $P-client curl http://192.0.2.10/"
  sleep infinity &
  wait $!
fi
