#!/usr/bin/env bash
# Builds (or removes) the network namespaces of the ha-pair example: five
# hosts on one Ethernet segment (a bridge in its own "lan" namespace).
#
#   client  10.88.0.10 ─┐
#   lvsA    10.88.0.2  ─┤            VIP 10.88.0.100 (on lvsA or lvsB, moved by keepalived)
#   lvsB    10.88.0.3  ─┼── br0 (lan)
#   backend 10.88.0.20 ─┘  (+ .21 web1, .22 web2; Redis on .20)
#
#   netns.sh up PREFIX             creates PREFIX-{lan,client,lvsA,lvsB,backend}
#   netns.sh down PREFIX           kills every process left in them and deletes them
#   netns.sh keepalived-conf NODE DIR
#                                  writes DIR/keepalived-NODE.conf (NODE: lvsA | lvsB)
#                                  from keepalived.conf.in and prints its path
#
# Every address exists only inside these namespaces; the host's own
# interfaces and routes are never touched. Needs root (except keepalived-conf).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
VIP=10.88.0.100
declare -A ADDRESS=([client]=10.88.0.10 [lvsA]=10.88.0.2 [lvsB]=10.88.0.3 [backend]=10.88.0.20)

usage() {
  echo "usage: $0 up|down PREFIX | keepalived-conf lvsA|lvsB DIR" >&2
  exit 2
}

# keepalived-conf NODE DIR: lvsA is the preferred master (150), lvsB the backup (100).
keepalived_conf() {
  local node=$1 dir=$2 state priority peer
  case "$node" in
    lvsA) state=MASTER priority=150 peer=lvsB ;;
    lvsB) state=BACKUP priority=100 peer=lvsA ;;
    *) usage ;;
  esac
  sed -e "s|@NODE@|$node|g" -e "s|@STATE@|$state|g" -e "s|@PRIORITY@|$priority|g" \
    -e "s|@SELF@|${ADDRESS[$node]}|g" -e "s|@PEER@|${ADDRESS[$peer]}|g" -e "s|@VIP@|$VIP|g" \
    "$here/keepalived.conf.in" >"$dir/keepalived-$node.conf"
  echo "$dir/keepalived-$node.conf"
}

if [ "${1:-}" = keepalived-conf ]; then
  [ $# -eq 3 ] || usage
  keepalived_conf "$2" "$3"
  exit 0
fi

cmd=${1:-}
P=${2:-}
[[ "$P" =~ ^[a-z0-9][a-z0-9-]{0,30}$ ]] || usage
HOSTS=(client lvsA lvsB backend)

down() {
  for n in lan "${HOSTS[@]}"; do
    ip netns list | grep -qw "^$P-$n" || continue
    pids=$(ip netns pids "$P-$n" 2>/dev/null || true)
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
    ip netns del "$P-$n" 2>/dev/null || true
  done
}

up() {
  ip netns add "$P-lan"
  ip -n "$P-lan" link set lo up
  # The segment: a bridge without STP (ports forward at once) and without
  # multicast snooping (nothing to learn; VRRP goes unicast anyway).
  ip -n "$P-lan" link add br0 type bridge stp_state 0 mcast_snooping 0
  ip -n "$P-lan" link set br0 up
  for n in "${HOSTS[@]}"; do
    ip netns add "$P-$n"
    ip -n "$P-$n" link set lo up
    # New namespaces copy the host's rp_filter; set before the veth exists so it inherits.
    ip netns exec "$P-$n" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
    # veth pairs are created inside the namespaces: nothing appears on the host.
    ip -n "$P-lan" link add "p-$n" type veth peer name eth0 netns "$P-$n"
    ip -n "$P-lan" link set "p-$n" master br0 up
    ip -n "$P-$n" addr add "${ADDRESS[$n]}/24" dev eth0
    ip -n "$P-$n" link set eth0 up
  done
  # The two web servers get addresses of their own next to Redis's.
  ip -n "$P-backend" addr add 10.88.0.21/24 dev eth0
  ip -n "$P-backend" addr add 10.88.0.22/24 dev eth0
}

case "$cmd" in
  up) trap 'down' ERR; up ;;
  down) down ;;
  *) usage ;;
esac
