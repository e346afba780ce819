#!/bin/sh
# The process ExaBGP runs: lvs7's BGP announcer (until the CLI has `lvs7 bgp-announcer`).
# NODE may name the node binary when it is not on ExaBGP's PATH.
here=$(dirname "$0")
exec "${NODE:-node}" "$here/../../packages/site/bin/bgp-announcer.js" "$@"
