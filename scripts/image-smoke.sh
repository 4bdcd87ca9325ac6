#!/usr/bin/env bash
# Build the CPU image and run it for real with podman, on a machine where no registry image can be
# pulled (research/container_builds.md; docs/deployment.md, "Smoke test"):
#
#   1. set-up, once: podman, mmdebstrap and runc; `default_ulimits = []` in containers.conf
#   2. a local Debian base image (mmdebstrap, podman import), reused when present
#   3. build the Dockerfile's `development` and `production` targets on that base (CPU torch from
#      a local wheel directory, the host's CA bundle for pip; both mounted for the build only)
#   4. `angel demo` inside the development image with --network=none
#   5. `angel db upgrade` then `angel worker` in the production image on the embedded default
#      (SQLite in a podman volume, --network=none), the image's HEALTHCHECK once, then SIGTERM
#      (`podman stop`): the worker must log "Worker stopped" and exit 0 well inside the grace
#   6. `angel api`: the HEALTHCHECK passes (/livez), SIGTERM stops it with exit 0
#
# Prints each step's time and the images' sizes; exits non-zero on any failure. Idempotent: the
# base image and the build cache are reused, the smoke container and volume are replaced.
#
# Environment (all optional):
#   ANGEL_SMOKE_BASE       base image name (localhost/localbase:bookworm)
#   ANGEL_SMOKE_TAG        image name prefix (angel): angel:dev and angel:cpu
#   ANGEL_SMOKE_CA         a CA bundle pip must trust (the host's, when a proxy re-signs PyPI)
#   ANGEL_SMOKE_WHEELS     a directory holding the CPU torch wheel (/opt/wheels when present;
#                          otherwise the build takes torch from PyTorch's CPU index)
#   ANGEL_SMOKE_SKIP_DEMO  1: skip step 4 (the slowest run)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
base=${ANGEL_SMOKE_BASE:-localhost/localbase:bookworm}
tag=${ANGEL_SMOKE_TAG:-angel}
ca=${ANGEL_SMOKE_CA:-/etc/ssl/certs/ca-certificates.crt}
wheels=${ANGEL_SMOKE_WHEELS:-/opt/wheels}
worker=angel-smoke-worker
volume=angel-smoke-data
grace_s=15   # SHUTDOWN_GRACE_SECONDS, the worker's default

podman_() { podman --runtime runc --cgroup-manager=cgroupfs "$@"; }
say() { printf '== %s\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
size_of() { podman_ image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.2f GB", $1 / 1e9 }'; }

# --- 1. set-up ----------------------------------------------------------------------------------
missing=()
for tool in podman mmdebstrap runc; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || { echo "image-smoke: needs ${missing[*]} (apt-get install podman mmdebstrap runc, as root)" >&2; exit 2; }
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman mmdebstrap runc >/dev/null
fi
# The default ulimits fail here with "setrlimit RLIMIT_NOFILE: Operation not permitted".
conf=/etc/containers/containers.conf
if ! grep -qs '^default_ulimits *= *\[\]' "$conf"; then
    if [ -s "$conf" ]; then
        echo "image-smoke: add 'default_ulimits = []' under [containers] in $conf" >&2; exit 2
    fi
    mkdir -p "$(dirname "$conf")"
    printf '[containers]\ndefault_ulimits = []\n' >"$conf"
fi

# --- 2. the base image ----------------------------------------------------------------------------
if podman_ image exists "$base"; then
    say "base image $base: present, reused"
else
    say "base image $base: mmdebstrap bookworm (python3, python3-venv)"
    started=$(now)
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    mmdebstrap --quiet --variant=minbase --include=python3,python3-venv bookworm "$work/base.tar"
    podman_ import --quiet "$work/base.tar" "$base" >/dev/null
    rm -rf "$work"
    say "base image built in $(since "$started") s"
fi

# --- 3. build -----------------------------------------------------------------------------------
build_args=(--format docker --network=host --build-arg "BASE=$base")
if [ -f "$ca" ]; then
    build_args+=(-v "$ca:/run/host-ca.crt:ro" --build-arg BUILD_PIP_CERT=/run/host-ca.crt)
fi
if compgen -G "$wheels/torch-2.13.0+cpu-*.whl" >/dev/null; then
    build_args+=(-v "$wheels:/run/wheels:ro" --build-arg TORCH_FIND_LINKS=/run/wheels)
fi
say "building $tag:dev (target development) and $tag:cpu (target production)"
started=$(now)
podman_ build "${build_args[@]}" --target development -t "$tag:dev" "$here"
podman_ build "${build_args[@]}" --target production -t "$tag:cpu" "$here" >/dev/null
build_s=$(since "$started")
say "built in $build_s s; $tag:cpu $(size_of "$tag:cpu"), $tag:dev $(size_of "$tag:dev")"
user=$(podman_ image inspect --format '{{.Config.User}}' "$tag:cpu")
entrypoint=$(podman_ image inspect --format '{{json .Config.Entrypoint}}' "$tag:cpu")
say "runs as '$user'; entrypoint $entrypoint"
[ "$user" = "angel:angel" ] || { echo "image-smoke: the image must not run as root" >&2; exit 1; }

# --- 4. angel demo, offline -------------------------------------------------------------------
demo_s=skipped
if [ "${ANGEL_SMOKE_SKIP_DEMO:-0}" != 1 ]; then
    say "angel demo in $tag:dev (--network=none)"
    started=$(now)
    podman_ run --rm --network=none "$tag:dev" demo
    demo_s=$(since "$started")
    say "demo completed in $demo_s s"
fi

# --- 5. angel worker and SIGTERM ----------------------------------------------------------------
podman_ rm --force --ignore "$worker" >/dev/null
podman_ volume rm --force "$volume" >/dev/null 2>&1 || true
podman_ volume create "$volume" >/dev/null
# (podman logs "unable to get systemd connection" for the health check's timer on a machine
# without systemd as PID 1; harmless: `podman healthcheck run` runs the check itself.)
run_args=(--network=none -v "$volume:/var/lib/angel/data" -e POLL_INTERVAL_SECONDS=2
    -e SHUTDOWN_GRACE_SECONDS=$grace_s)
say "angel db upgrade (SQLite in volume $volume)"
podman_ run --rm "${run_args[@]}" "$tag:cpu" db upgrade
say "angel worker: starting (loads the bundled models)"
started=$(now)
podman_ run -d --name "$worker" "${run_args[@]}" "$tag:cpu" worker >/dev/null
deadline=$((SECONDS + 300))
until podman_ logs "$worker" 2>&1 | grep -q "Worker started"; do
    if [ "$(podman_ inspect --format '{{.State.Running}}' "$worker")" != true ] || [ $SECONDS -gt $deadline ]; then
        podman_ logs "$worker" >&2
        echo "image-smoke: the worker did not start" >&2; exit 1
    fi
    sleep 0.5
done
start_s=$(since "$started")
say "worker started in $start_s s"
sleep 3   # a poll or two, so the liveness file is there
podman_ healthcheck run "$worker" && say "HEALTHCHECK: healthy"
pid1=$(podman_ exec "$worker" cat /proc/1/cmdline | tr '\0' ' ')
say "PID 1 in the container: $pid1"
say "SIGTERM (podman stop, SIGKILL after 60 s)"
started=$(now)
podman_ stop --time 60 "$worker" >/dev/null
stop_s=$(since "$started")
code=$(podman_ inspect --format '{{.State.ExitCode}}' "$worker")
# When the process itself ended (podman stop's own time adds the container's teardown).
finished=$(date -d "$(podman_ inspect --format '{{.State.FinishedAt}}' "$worker" | cut -d' ' -f1-3)" +%s.%N)
exit_s=$(awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.1f", b - a }')
stopped=$(podman_ logs "$worker" 2>&1 | grep -E "Received SIGTERM|Worker stopped" || true)
printf '%s\n' "$stopped"
podman_ rm "$worker" >/dev/null
podman_ volume rm "$volume" >/dev/null
if [ "$code" != 0 ] || ! grep -q "Worker stopped" <<<"$stopped" || ! grep -q "Received SIGTERM" <<<"$stopped"; then
    echo "image-smoke: the worker did not stop cleanly on SIGTERM (exit code $code)" >&2; exit 1
fi
awk -v s="$stop_s" -v g="$grace_s" 'BEGIN { exit !(s < g) }' || {
    echo "image-smoke: the stop took $stop_s s, not inside the $grace_s s grace" >&2; exit 1; }

# --- 6. angel api and its health check -----------------------------------------------------------
api=angel-smoke-api
podman_ rm --force --ignore "$api" >/dev/null
say "angel api: starting; HEALTHCHECK until healthy (/livez)"
started=$(now)
podman_ run -d --name "$api" --network=none "$tag:cpu" api >/dev/null
until podman_ healthcheck run "$api" >/dev/null 2>&1; do
    if [ "$(podman_ inspect --format '{{.State.Running}}' "$api")" != true ] || [ "$(since "$started" | cut -d. -f1)" -gt 120 ]; then
        podman_ logs "$api" >&2
        echo "image-smoke: the API never passed its health check" >&2; exit 1
    fi
    sleep 1
done
api_s=$(since "$started")
say "HEALTHCHECK (api): healthy after $api_s s"
podman_ stop --time 30 "$api" >/dev/null
api_code=$(podman_ inspect --format '{{.State.ExitCode}}' "$api")
api_stopped=$(podman_ logs "$api" 2>&1 | grep -E "Shutting down|Finished server process" || true)
printf '%s\n' "$api_stopped"
podman_ rm "$api" >/dev/null
# uvicorn shuts down gracefully, then re-raises the signal (uvicorn/server.py capture_signals),
# which `angel api`'s handler takes: a clean stop exits 0 after "Finished server process".
if ! grep -q "Finished server process" <<<"$api_stopped" || [ "$api_code" != 0 ]; then
    echo "image-smoke: the API did not shut down gracefully on SIGTERM (exit code $api_code)" >&2; exit 1
fi

say "summary"
printf '  build (both targets)   %s s\n' "$build_s"
printf '  image %-17s %s\n' "$tag:cpu" "$(size_of "$tag:cpu")"
printf '  image %-17s %s\n' "$tag:dev" "$(size_of "$tag:dev")"
printf '  angel demo             %s s\n' "$demo_s"
printf '  worker start           %s s\n' "$start_s"
printf '  SIGTERM to exit        %s s (exit code %s); podman stop returned after %s s\n' "$exit_s" "$code" "$stop_s"
printf '  API healthy            %s s (exit code %s on SIGTERM)\n' "$api_s" "$api_code"
echo "image-smoke: OK"
