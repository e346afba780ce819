#!/bin/sh
# Runs the HTTP benchmark (see run.mjs): nginx backend, wrk, lvs7 vs HAProxy vs nginx vs node http-proxy.
exec node "$(dirname "$0")/run.mjs" "$@"
