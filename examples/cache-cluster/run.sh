#!/usr/bin/env bash
# The cache-cluster example on loopback: an origin, three lvs7 cache nodes and a
# real Squid peering over ICP, and an lvs7 distributor in front routing by cache
# key. Needs a build (npx tsc -b) and Debian's squid.
#
#   ./run.sh          start everything, print commands to try, stay up until Ctrl-C
#   ./run.sh --check  start everything, run a scripted end-to-end pass, exit 0 or 1
#
# PORT_BASE (default 18400, a multiple of 100) moves every port: the files here
# use 184xx and run.sh rewrites them into its temp dir. Everything it started is
# stopped on exit, Ctrl-C and SIGTERM.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cli="$root/packages/cli/bin/lvs7.js"
mode=demo
case "${1:-}" in
  '') ;;
  --check) mode=check ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
base=${PORT_BASE:-18400}
if ! [[ "$base" =~ ^[1-9][0-9]*00$ ]] || [ "$base" -gt 65400 ]; then
  echo "run.sh: PORT_BASE must be a multiple of 100 up to 65400" >&2; exit 2
fi
front=$base origin=$((base + 1)) admin=$((base + 9)) http=$((base + 28)) icp=$((base + 30))
F=127.0.0.1:$front
A=http://127.0.0.1:$admin
SQUID=127.0.10.4:$http

for tool in node curl squid; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done
[ -f "$root/packages/cache/dist/index.js" ] || { echo "run.sh: build first: (cd $root && npx tsc -b)" >&2; exit 1; }

dir=$(mktemp -d /tmp/lvs7-cache-cluster.XXXXXX)
chmod 755 "$dir" # Squid (as proxy when started as root) reaches its logs through it
pids=()
cache_pid=()
cleanup() {
  local status=$? alive=0
  trap - EXIT INT TERM
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
  # lvs7 drains before it exits; give everything 5 s, then insist.
  for _ in $(seq 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  [ "$alive" = 0 ] || kill -9 "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "$status" -eq 0 ] || [ "$status" -ge 128 ]; then rm -rf "$dir"; else echo "run.sh: logs kept in $dir" >&2; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The example's files with this run's ports (and Squid's temp dir).
ports() { sed -e "s/\b184\([0-9][0-9]\)\b/$((base / 100))\1/g" -e "s|@DIR@|$dir/squid|g" "$1"; }
for f in c1.yaml c2.yaml c3.yaml lvs7.yaml; do ports "$here/$f" >"$dir/$f"; done
mkdir "$dir/squid"
ports "$here/squid.conf" >"$dir/squid/squid.conf"
# As root Squid runs as proxy, which must own its logs.
[ "$(id -u)" -ne 0 ] || chown -R proxy:proxy "$dir/squid"
squid -k parse -f "$dir/squid/squid.conf" 2>"$dir/squid/parse.log" || { cat "$dir/squid/parse.log" >&2; exit 1; }

# wait_for WHAT PID COMMAND...: until COMMAND succeeds (60 s: the machine may be busy), or PID has exited.
wait_for() {
  local what=$1 pid=$2
  shift 2
  for _ in $(seq 300); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { echo "run.sh: $what exited; its log:" >&2; tail -20 "$dir/$what.log" >&2; return 1; }
    sleep 0.2
  done
  echo "run.sh: $what not ready after 60 s ($*)" >&2
  return 1
}
tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
three_eligible() { curl -fs "$A/api/pools/caches" | grep -q '"eligible":3'; }
squid_icp_open() { grep -q 'Accepting ICP messages' "$dir/squid/squid-cache.log"; }

t0=$(date +%s%N)
node "$here/origin.mjs" "$origin" 127.0.0.1 >"$dir/origin.log" 2>&1 &
pids+=($!)
origin_pid=$!
for i in 1 2 3; do
  node "$cli" cache -c "$dir/c$i.yaml" --log-level warn >"$dir/c$i.log" 2>&1 &
  pids+=($!)
  cache_pid[i]=$!
done
squid -N -d1 -f "$dir/squid/squid.conf" >"$dir/squid.log" 2>&1 &
pids+=($!)
squid_pid=$!
node "$cli" start -c "$dir/lvs7.yaml" --log-level warn --drain-timeout 2000 >"$dir/lvs7.log" 2>&1 &
pids+=($!)
lvs7_pid=$!
wait_for origin "$origin_pid" curl -fs "http://127.0.0.1:$origin/health"
for i in 1 2 3; do wait_for "c$i" "${cache_pid[i]}" tcp_open "127.0.10.$i" "$http"; done
wait_for squid "$squid_pid" squid_icp_open
# The admin API starts before the listeners: wait for both.
wait_for lvs7 "$lvs7_pid" three_eligible
wait_for lvs7 "$lvs7_pid" tcp_open 127.0.0.1 "$front"
ready_ms=$((($(date +%s%N) - t0) / 1000000))

if [ "$mode" = demo ]; then
  cat <<EOF
The cache cluster is up ($ready_ms ms; configs and logs in $dir):
  distributor  http://$F (lvs7 start: carp by URL, ICP lookup for /static/)
  caches       c1 127.0.10.1  c2 127.0.10.2  c3 127.0.10.3 (lvs7 cache)  squid 127.0.10.4
               HTTP port $http, ICP port $icp on each; origin http://127.0.0.1:$origin
  status page  $A/

# 1. the first fetch is a MISS, filled by the URL's owner (X-Cache names it)
curl -s -o /dev/null -D - http://$F/static/app.js | grep -i '^x-cache:'
# 2. the second is a HIT from the same node
curl -s -o /dev/null -D - http://$F/static/app.js | grep -i '^x-cache:'
# 3. an object only Squid holds: fetch it through Squid as a proxy (MISS from squid) ...
curl -s -o /dev/null -D - -x http://$SQUID http://$F/static/from-squid.txt | grep -i '^x-cache:'
# ... then through the cluster: the owner asks its siblings over ICP and Squid answers HIT
curl -s -o /dev/null -D - http://$F/static/from-squid.txt | grep -i '^x-cache:'
# 4. a byte range of the 8 MiB object (lines 65536 and 65537)
curl -s -D - -r 1048576-1048607 http://$F/big/video.bin
# 5. the distributor's pool
node $cli status --admin $A
# 6. Squid asks the lvs7 nodes too: SIBLING_HIT in its access log
curl -s -o /dev/null -D - -x http://$SQUID http://$F/static/app.js | grep -i '^x-cache:'
grep SIBLING_HIT $dir/squid/squid-access.log
# 7. remove c3 (admin API): only the URLs it answered move, and the new owners fill them from c3 over ICP
for i in 1 2 3 4 5 6; do curl -s -o /dev/null -D - http://$F/static/obj-\$i.txt | grep -i '^x-cache:'; done
curl -s -X DELETE $A/api/pools/caches/servers/c3
for i in 1 2 3 4 5 6; do curl -s -o /dev/null -D - http://$F/static/obj-\$i.txt | grep -i '^x-cache:'; done
# 8. stop Squid: the nodes stop waiting for it after three unanswered ICP queries
kill $squid_pid
for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%{time_total}s ' http://$F/static/new-\$i.txt; done; echo

Up until Ctrl-C.
EOF
  # Until a signal (not until a child exits: stopping Squid is one of the things to try).
  sleep infinity &
  pids+=($!)
  wait $! || true
  exit 0
fi

# --check: the scripted pass (check.mjs), its exit status ours.
echo "ready in $ready_ms ms"
node "$here/check.mjs" --front "$F" --admin "$A" --origin "127.0.0.1:$origin" --squid "$SQUID" \
  --cache-port "$http" --squid-pid "$squid_pid" --squid-log "$dir/squid/squid-access.log" --cli "$cli"
