#!/usr/bin/env bash
# Builds (or removes) the four network namespaces of the anycast example:
#
#   client 10.77.0.2 ── 10.77.0.1 router 10.77.1.1 ── 10.77.1.2 siteA (VIP 192.0.2.10 on lo)
#                                       10.77.2.1 ── 10.77.2.2 siteB (VIP 192.0.2.10 on lo)
#
#   netns.sh up PREFIX     creates PREFIX-client, PREFIX-router, PREFIX-siteA, PREFIX-siteB
#   netns.sh down PREFIX   kills every process left in them and deletes them
#
# Every address exists only inside these namespaces; the host's own
# interfaces and routes are never touched. Needs root.
set -euo pipefail

cmd=${1:-}
P=${2:-}
if [[ ! "$P" =~ ^[a-z0-9][a-z0-9-]{0,30}$ ]]; then
  echo "usage: $0 up|down PREFIX (PREFIX: lower-case letters, digits, dashes)" >&2
  exit 2
fi
NAMESPACES=("$P-client" "$P-router" "$P-siteA" "$P-siteB")

down() {
  for ns in "${NAMESPACES[@]}"; do
    ip netns list | grep -qw "^$ns" || continue
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
}

# ns NAME COMMAND...: run inside one of ours.
ns() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }

up() {
  for n in client router siteA siteB; do
    ip netns add "$P-$n"
    ip -n "$P-$n" link set lo up
    # New namespaces copy the host's rp_filter; strict mode would drop the
    # asymmetric paths anycast creates. Set before any veth exists so they inherit it.
    ns "$n" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  done
  ns router sysctl -qw net.ipv4.ip_forward=1
  # veth pairs are created inside the namespaces: nothing appears on the host.
  ip -n "$P-router" link add r-c type veth peer name c-r netns "$P-client"
  ip -n "$P-router" link add r-a type veth peer name a-r netns "$P-siteA"
  ip -n "$P-router" link add r-b type veth peer name b-r netns "$P-siteB"
  ip -n "$P-router" addr add 10.77.0.1/24 dev r-c
  ip -n "$P-router" addr add 10.77.1.1/24 dev r-a
  ip -n "$P-router" addr add 10.77.2.1/24 dev r-b
  ip -n "$P-client" addr add 10.77.0.2/24 dev c-r
  ip -n "$P-siteA" addr add 10.77.1.2/24 dev a-r
  ip -n "$P-siteB" addr add 10.77.2.2/24 dev b-r
  for link in r-c r-a r-b; do ip -n "$P-router" link set "$link" up; done
  ip -n "$P-client" link set c-r up
  ip -n "$P-siteA" link set a-r up
  ip -n "$P-siteB" link set b-r up
  ip -n "$P-client" route add default via 10.77.0.1
  ip -n "$P-siteA" route add default via 10.77.1.1
  ip -n "$P-siteB" route add default via 10.77.2.1
  # The shared address: every site holds it on lo; BGP decides who gets the traffic.
  ip -n "$P-siteA" addr add 192.0.2.10/32 dev lo
  ip -n "$P-siteB" addr add 192.0.2.10/32 dev lo
}

case "$cmd" in
  up) trap 'down' ERR; up ;;
  down) down ;;
  *) echo "usage: $0 up|down PREFIX" >&2; exit 2 ;;
esac
