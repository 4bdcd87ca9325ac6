#!/bin/sh
# The image's HEALTHCHECK, for whichever command the container runs (docs/deployment.md):
#   angel api     /livez answers on API_PORT (8000)
#   angel worker  its poll loop touched TEMP_DIR/<worker id>/alive in the last
#                 ANGEL_HEALTH_MAX_AGE_SECONDS (default: 4 poll intervals, at least 120 s); the
#                 loop stops touching it when a job is stuck past its timeout (docs/worker.md)
#   anything else (angel db upgrade, angel demo): healthy while it runs
set -eu
command_line=$(tr '\0' ' ' </proc/1/cmdline)
case "$command_line" in
*" api"*)
    exec python3 -c 'import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/livez", timeout=5).read()' "${API_PORT:-8000}"
    ;;
*" worker"*)
    poll=${POLL_INTERVAL_SECONDS:-${POLL_INTERVAL:-30}}
    max_age=${ANGEL_HEALTH_MAX_AGE_SECONDS:-$((poll * 4 > 120 ? poll * 4 : 120))}
    now=$(date +%s)
    for alive in "${TEMP_DIR:-./temp}"/*/alive; do
        [ -f "$alive" ] || continue
        [ $((now - $(stat -c %Y "$alive"))) -lt "$max_age" ] && exit 0
    done
    echo "the worker has not touched ${TEMP_DIR:-./temp}/*/alive in ${max_age} s" >&2
    exit 1
    ;;
esac
exit 0
