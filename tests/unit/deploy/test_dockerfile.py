"""The Dockerfile's promises, read from the file: base and torch source are arguments, the image
runs as a non-root user with tini in exec form, models are a volume, there is a health check, and
every variable it sets is one Angel (or a library it uses) reads. scripts/image-smoke.sh builds
and runs it for real (tests/integration/deploy/test_image_smoke.py)."""

from __future__ import annotations

import json
import re

from dbkit import REPO_ROOT
from deploykit import angel_variables

DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text()
RUNTIME_PLATFORM = {
    "PATH": "the virtual environment's programs first",
    "LD_LIBRARY_PATH": "CUDA variant: cuBLAS/cuDNN from the nvidia-* wheels, for CTranslate2",
    "PYTHONUNBUFFERED": "log lines reach `docker logs` at once",
    "HF_HUB_OFFLINE": "huggingface_hub: never reach a model hub",
    "TRANSFORMERS_OFFLINE": "transformers: the same",
    "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "tldextract: never fetch its list at run time",
}


def instructions() -> list[tuple[str, str, str]]:
    """(stage, instruction, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    found = []
    stage = ""
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word == "FROM":
            stage = rest.split(" AS ")[-1] if " AS " in rest else rest
        found.append((stage, word, rest))
    return found


def in_stage(stage: str, word: str) -> list[str]:
    return [rest for s, w, rest in instructions() if s == stage and w == word]


def test_the_base_image_and_the_variant_are_build_arguments() -> None:
    assert instructions()[0] == ("", "ARG", "BASE=python:3.11-slim-bookworm")
    assert ("base", "FROM", "${BASE} AS base") in instructions()
    build_args = in_stage("build", "ARG")
    assert "VARIANT=cpu" in build_args
    assert any(arg.startswith("TORCH_INDEX_URL=") for arg in build_args)
    assert "TORCH_FIND_LINKS=" in build_args
    assert "torch==2.13.0" in " ".join(in_stage("build", "RUN"))


def test_the_targets_are_runtime_development_and_production_by_default() -> None:
    stages = [rest for _, word, rest in instructions() if word == "FROM"]
    assert stages[-1] == "runtime AS production"  # the default target
    assert "runtime AS development" in stages
    assert "espeak-ng" in " ".join(in_stage("development", "RUN"))
    assert in_stage("development", "USER")[-1] == "angel:angel"


def test_the_runtime_is_non_root_with_tini_in_exec_form_a_models_volume_and_a_healthcheck() -> None:
    assert in_stage("runtime", "USER") == ["angel:angel"]
    assert json.loads(in_stage("runtime", "ENTRYPOINT")[0]) == ["tini", "--", "angel"]
    assert json.loads(in_stage("runtime", "CMD")[0]) == ["worker"]
    assert json.loads(in_stage("runtime", "VOLUME")[0]) == ["/models"]
    (healthcheck,) = in_stage("runtime", "HEALTHCHECK")
    assert healthcheck.endswith('CMD ["angel-healthcheck"]')
    assert "sox libsox-fmt-all tini" in " ".join(in_stage("base", "RUN"))
    # models are mounted, never copied in
    copies = " ".join(in_stage("build", "COPY") + in_stage("runtime", "COPY"))
    assert "models" not in copies


def test_every_variable_the_image_sets_is_read_by_angel_or_a_library_it_uses() -> None:
    (env,) = in_stage("runtime", "ENV")
    names = set(re.findall(r"(?:^|\s)([A-Z][A-Z0-9_]*)=", env))
    assert {"MODELS_BASE_PATH", "TEMP_DIR", "API_HOST"} <= names
    assert sorted(names - angel_variables() - set(RUNTIME_PLATFORM)) == []


def test_the_build_context_holds_only_what_the_build_copies() -> None:
    ignore = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    copied = set()
    for _, word, rest in instructions():
        if word == "COPY" and "--from=" not in rest:
            copied |= {source.rstrip("/") for source in rest.split()[:-1]}
    assert "*" in ignore
    assert copied <= allowed | {"deploy/docker/healthcheck.sh"}
    assert "deploy/docker" in allowed
