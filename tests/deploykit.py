"""Deployment files for tests: deploy/k8s/ rendered without a kustomize binary and its objects
read; the compose files, env files and systemd units' helpers (the variables Angel reads, `angel`
commands parsed without running them, compose durations).

Kubernetes: CI machines have neither `kustomize` nor `kubectl` (Debian's kubernetes-client is
1.20, whose kustomize predates `patches`), so this renders exactly the kustomize features
deploy/k8s uses: `resources` (files and directories), `images` (newName, newTag, digest) and
`patches` that are JSON 6902 operation lists with a kind/name target. Anything else in a
kustomization is refused, so a manifest that starts using another feature fails here rather
than rendering wrongly. Where `kubectl` is installed, tests/unit/deploy/test_k8s.py checks this
renders what `kubectl kustomize` renders.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
import yaml

from angel_intelligence.cli import app
from angel_intelligence.settings import Settings
from dbkit import REPO_ROOT

K8S_DIR = REPO_ROOT / "deploy" / "k8s"
COMPOSE_FILES = [
    REPO_ROOT / "docker-compose.yml",
    *sorted((REPO_ROOT / "deploy" / "compose").glob("*.yml")),
]
NOT_ANGELS = {
    "CUDA_VISIBLE_DEVICES": "read by CUDA itself: which GPU the container's processes see (spec)",
}
"""Variables the compose files may set that Angel itself does not read, and who reads them."""
OVERLAYS = ("dev", "production")
SUPPORTED = {"apiVersion", "kind", "resources", "images", "patches"}

Obj = dict[str, Any]


class UnsupportedKustomization(ValueError):
    """The kustomization uses a feature this renderer does not implement."""


def render(directory: Path) -> list[Obj]:
    """The objects `kustomize build directory` produces (same content; order not kept)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise UnsupportedKustomization(f"{directory}: {sorted(unknown)}")
    objects: list[Obj] = []
    for resource in kustomization.get("resources", []):
        path = (directory / resource).resolve()
        if path.is_dir():
            objects.extend(render(path))
        else:
            objects.extend(load_objects(path))
    for patch in kustomization.get("patches", []):
        if set(patch) != {"target", "patch"} or set(patch["target"]) != {"kind", "name"}:
            raise UnsupportedKustomization(f"{directory}: patch {patch}")
        kind, name = patch["target"]["kind"], patch["target"]["name"]
        (target,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
        operations = yaml.safe_load(patch["patch"])
        if not isinstance(operations, list):
            raise UnsupportedKustomization(f"{directory}: only JSON 6902 patches ({kind}/{name})")
        for operation in operations:
            apply_operation(target, operation)
    for image in kustomization.get("images", []):
        for obj in objects:
            for container in containers(obj):
                container["image"] = _retag(container["image"], image)
    return objects


def load_objects(path: Path) -> list[Obj]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise UnsupportedKustomization(f"JSON pointer {path!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def apply_operation(document: Obj, operation: Obj) -> None:
    """One RFC 6902 operation (add, replace, remove) on `document`, in place."""
    op, parts = operation["op"], _pointer(operation["path"])
    parent: Any = document
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent[part]
    last = parts[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if op == "add":
            parent.insert(index, copy.deepcopy(operation["value"]))
        elif op == "replace":
            parent[index] = copy.deepcopy(operation["value"])
        elif op == "remove":
            del parent[index]
        else:
            raise UnsupportedKustomization(f"op {op}")
        return
    if op in {"replace", "remove"} and last not in parent:
        raise KeyError(f"{operation['path']}: no such member to {op}")
    if op in {"add", "replace"}:
        parent[last] = copy.deepcopy(operation["value"])
    elif op == "remove":
        del parent[last]
    else:
        raise UnsupportedKustomization(f"op {op}")


def _split_image(image: str) -> tuple[str, str | None, str | None]:
    name, _, digest = image.partition("@")
    tag = None
    if ":" in name.rsplit("/", 1)[-1]:  # a tag, not a registry's port
        name, tag = name.rsplit(":", 1)
    return name, tag, digest or None


def _retag(image: str, rule: Obj) -> str:
    name, tag, digest = _split_image(image)
    if name != rule["name"]:
        return image
    name = rule.get("newName", name)
    if "digest" in rule:
        return f"{name}@{rule['digest']}"
    tag = rule.get("newTag", tag)
    if digest:
        return f"{name}@{digest}"
    return f"{name}:{tag}" if tag else name


def pod_spec(obj: Obj) -> Obj | None:
    """The pod spec inside a workload (Deployment, Job, CronJob, Pod), or None."""
    kind = obj["kind"]
    if kind == "Pod":
        spec: Obj = obj["spec"]
        return spec
    if kind in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
        template: Obj = obj["spec"]["template"]["spec"]
        return template
    if kind == "CronJob":
        job: Obj = obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        return job
    return None


def pod_labels(obj: Obj) -> dict[str, str]:
    """The labels of the pods a workload makes (a Pod's own labels)."""
    kind = obj["kind"]
    if kind == "Pod":
        metadata = obj["metadata"]
    elif kind == "CronJob":
        metadata = obj["spec"]["jobTemplate"]["spec"]["template"]["metadata"]
    else:
        metadata = obj["spec"]["template"]["metadata"]
    labels: dict[str, str] = metadata["labels"]
    return labels


def containers(obj: Obj) -> Iterator[Obj]:
    spec = pod_spec(obj)
    if spec is None:
        return
    yield from spec.get("initContainers", [])
    yield from spec.get("containers", [])


def angel_variables() -> set[str]:
    """Every environment variable Angel reads: the settings' names and their aliases."""
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        names.add(name.upper())
        alias = field.validation_alias
        choices = getattr(alias, "choices", ())
        names.update(str(choice).upper() for choice in choices if isinstance(choice, str))
    return names


def load_yaml(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict), f"{path} is not a mapping"
    return loaded


def parse_angel_command(args: list[str]) -> None:
    """Parse `angel ARGS` as the real command line would, without running it (raises when the
    command or an option does not exist)."""
    command: Any = typer.main.get_command(app)  # typer's own click (typer._click): duck-typed
    ctx = command.make_context("angel", list(args))
    while hasattr(command, "resolve_command"):  # a group
        # click 8.2+ keeps the subcommand's words in `_protected_args` (no public name)
        words = [*getattr(ctx, "_protected_args", []), *ctx.args]
        name, sub, rest = command.resolve_command(ctx, words)
        assert sub is not None, f"angel has no command {name!r}"
        ctx = sub.make_context(str(name), rest, parent=ctx)
        command = sub


def env_file_names(path: Path) -> list[str]:
    """The variable names an env file sets."""
    return re.findall(r"^([A-Z][A-Z0-9_]*)=", path.read_text(), flags=re.M)


def seconds(duration: str) -> float:
    """A compose duration (`75s`, `1m30s`) in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, f"not a duration: {duration}"
    return sum(float(n) * units[u] for n, u in parts)
