#!/usr/bin/env bash
# Runs the web-farm example on loopback: five backends, lvs7 in front, a few requests,
# a server drained and brought back, then everything stopped. Needs a build (npx -y pnpm@10 build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lvs7="node $here/../../packages/cli/bin/lvs7.js"
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
for spec in 18081:web1 18082:web2 18083:web3 18091:media1 18092:media2; do
  node "$here/backend.mjs" "${spec%%:*}" "${spec##*:}" & pids+=($!)
done
$lvs7 check -c "$here/lvs7.yaml"
$lvs7 start -c "$here/lvs7.yaml" --log-level warn & pids+=($!)
for _ in $(seq 50); do curl -fs -o /dev/null http://127.0.0.1:9901/api/health && break; sleep 0.1; done
echo "--- six requests to /"
for _ in 1 2 3 4 5 6; do curl -fs http://127.0.0.1:18080/; done
echo "--- the same video twice (same media server)"
curl -fs http://127.0.0.1:18080/video/a.mp4; curl -fs http://127.0.0.1:18080/video/a.mp4
echo "--- drain web3, then six more requests"
$lvs7 server set web web3 --state drain --admin http://127.0.0.1:9901
for _ in 1 2 3 4 5 6; do curl -fs http://127.0.0.1:18080/; done
$lvs7 server set web web3 --state ready --admin http://127.0.0.1:9901
$lvs7 status --admin http://127.0.0.1:9901
