#!/bin/sh
# The process ExaBGP runs: `lvs7 bgp-announcer`, which asks this site's lvs7 whether to carry the VIP.
# NODE may name the node binary when it is not on ExaBGP's PATH.
here=$(dirname "$0")
exec "${NODE:-node}" "$here/../../packages/cli/bin/lvs7.js" bgp-announcer "$@"
