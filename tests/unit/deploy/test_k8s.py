"""deploy/k8s/: the kustomize overlays render, every object is valid Kubernetes, and the pieces
fit together (selectors, Secret and ConfigMap keys, Angel's variables, grace periods, probes).

Rendered by tests/deploykit.py (no binary needed), checked against `kubectl kustomize` where
kubectl is installed; validated offline against Kubernetes 1.32's schemas, strictly (unknown
fields are errors), with kubernetes-validate.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from angel_intelligence.settings import Settings
from deploykit import (
    K8S_DIR,
    OVERLAYS,
    Obj,
    UnsupportedKustomization,
    angel_variables,
    containers,
    load_objects,
    pod_labels,
    pod_spec,
    render,
)

KUBERNETES_VERSION = "1.32.0"
TEMPLATES = sorted((K8S_DIR / "templates").glob("*.yaml"))
WRITES_MODELS = {"training", "models-admin"}  # the only pods with /models read-write
# The spec's "Environment Variables Required": each must be set somewhere in production.
SPEC_VARIABLES = {
    "AI_DB_HOST", "AI_DB_PORT", "AI_DB_DATABASE", "AI_DB_USERNAME", "AI_DB_PASSWORD",
    "PBX_RECORDING_URL", "PBX_ARCHIVE_URL", "R2_ENDPOINT", "R2_ACCESS_KEY", "R2_SECRET_KEY",
    "R2_BUCKET", "MODELS_BASE_PATH", "ANALYSIS_MODEL_PATH", "CHAT_MODEL_PATH",
    "WHISPER_MODEL_PATH", "MODEL_VERSIONS_PATH", "ANALYSIS_MODEL_BASE",
    "ANALYSIS_MODEL_QUANTIZATION", "ANALYSIS_MODE", "CHAT_MODEL_BASE", "CHAT_MODEL_QUANTIZATION",
    "WHISPER_MODEL", "POLL_INTERVAL_SECONDS", "MAX_CONCURRENT_JOBS", "MAX_RETRIES",
    "RETRY_DELAY_HOURS", "WORKER_ID", "ENABLE_MODEL_HOT_RELOAD", "MODEL_RELOAD_CHECK_INTERVAL",
    "API_AUTH_TOKEN",
}  # fmt: skip
NOT_SET_ON_PURPOSE = {"CALL_ANALYSIS_CONFIG_PATH"}  # the bundled file applies (configmap.yaml)
PROCESS_VARIABLES = {"HOME"}  # not Angel's: where libraries keep caches (a writable mount)


def rendered(overlay: str) -> list[Obj]:
    return render(K8S_DIR / "overlays" / overlay)


def templates() -> list[Obj]:
    return [o for path in TEMPLATES for o in load_objects(path)]


def the_secret() -> Obj:
    """The Secret's keys (a template, kept out of the kustomizations: docs/operations.md)."""
    (found,) = [o for o in templates() if o["kind"] == "Secret"]
    return found


def one(objects: list[Obj], kind: str, name: str) -> Obj:
    (found,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def workloads(objects: list[Obj]) -> list[Obj]:
    return [o for o in objects if pod_spec(o) is not None]


def worker_container(objects: list[Obj]) -> Obj:
    spec = pod_spec(one(objects, "Deployment", "angel-worker"))
    assert spec is not None
    container: Obj = spec["containers"][0]
    return container


def effective_environment(objects: list[Obj], container: Obj) -> dict[str, str]:
    """The variables a container gets from its ConfigMaps and literal `env` values."""
    values: dict[str, str] = {}
    for source in container.get("envFrom", []):
        values |= one(objects, "ConfigMap", source["configMapRef"]["name"])["data"]
    for item in container.get("env", []):
        if "value" in item:
            values[item["name"]] = item["value"]
    return values


def container_settings(objects: list[Obj], container: Obj) -> Settings:
    """Angel's settings as the container gets them (secrets stand in as 64-character values)."""
    environment = effective_environment(objects, container)
    secrets = {item["name"] for item in container.get("env", [])} - set(environment)
    values: dict[str, Any] = environment | dict.fromkeys(secrets, "s" * 64)
    values.pop("WORKER_ID", None)  # the pod's name, by fieldRef
    for name in PROCESS_VARIABLES:
        values.pop(name, None)
    return Settings(_env_file=None, **{k.lower(): v for k, v in values.items()})  # type: ignore[call-arg]


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_is_valid_kubernetes(overlay: str) -> None:
    objects = rendered(overlay)
    kinds = {o["kind"] for o in objects}
    assert {"Namespace", "ConfigMap", "PersistentVolumeClaim", "Job", "Deployment", "Service",
            "Ingress", "CronJob", "PodDisruptionBudget", "NetworkPolicy"} <= kinds  # fmt: skip
    assert "Secret" not in kinds  # never overwritten by `kubectl apply -k`
    for obj in objects + templates():
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        assert obj["kind"] == "Namespace" or obj["metadata"]["namespace"] == "angel-intelligence"


def test_the_validator_refuses_what_kubernetes_would() -> None:
    worker = one(rendered("production"), "Deployment", "angel-worker")
    worker["spec"]["template"]["spec"]["terminationGracePeriod"] = 90  # misspelt
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(worker, KUBERNETES_VERSION, strict=True)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_test_renderer_agrees_with_kubectl_kustomize(overlay: str) -> None:
    built = subprocess.run(
        ["kubectl", "kustomize", str(K8S_DIR / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "KUBECONFIG": os.devnull},
    )

    def keyed(objects: list[Obj]) -> dict[tuple[str, str], Obj]:
        return {(o["kind"], o["metadata"]["name"]): o for o in objects}

    assert keyed(load_objects_text(built.stdout)) == keyed(rendered(overlay))


def load_objects_text(text: str) -> list[Obj]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def test_the_renderer_refuses_kustomize_features_it_does_not_implement(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: []\nnamePrefix: x-\n")
    with pytest.raises(UnsupportedKustomization, match="namePrefix"):
        render(tmp_path)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_selectors_match_the_pods_they_are_for(overlay: str) -> None:
    objects = rendered(overlay)
    pods = [pod_labels(o) for o in workloads(objects)]
    for deployment in (o for o in objects if o["kind"] == "Deployment"):
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert matches(selector, pod_labels(deployment)), deployment["metadata"]["name"]
        others = [o for o in workloads(objects) if o is not deployment]
        assert not any(matches(selector, pod_labels(o)) for o in others)  # no overlap
    for obj in objects:
        name = (obj["kind"], obj["metadata"]["name"])
        if obj["kind"] == "Service":
            assert any(matches(obj["spec"]["selector"], labels) for labels in pods), name
        if obj["kind"] == "PodDisruptionBudget":
            selector = obj["spec"]["selector"]["matchLabels"]
            assert any(matches(selector, labels) for labels in pods), name
        if obj["kind"] == "NetworkPolicy":
            selector = obj["spec"]["podSelector"].get("matchLabels", {})
            assert any(matches(selector, labels) for labels in pods), name
    api = one(objects, "Service", "angel-api")
    backend = one(objects, "Ingress", "angel-api")["spec"]["rules"][0]["http"]["paths"][0]
    assert backend["backend"]["service"]["name"] == "angel-api"
    assert backend["backend"]["service"]["port"]["name"] == api["spec"]["ports"][0]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_referenced_secret_config_map_and_volume_exists(overlay: str) -> None:
    objects = rendered(overlay)
    secrets = {"angel-secrets": the_secret()}
    config_maps = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ConfigMap"}
    claims = {o["metadata"]["name"] for o in objects if o["kind"] == "PersistentVolumeClaim"}
    for workload in workloads(objects + templates()):
        spec = pod_spec(workload)
        assert spec is not None
        for volume in spec.get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims
        for container in containers(workload):
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] in config_maps
            for item in container.get("env", []):
                ref = item.get("valueFrom", {})
                if "secretKeyRef" in ref:
                    secret = secrets[ref["secretKeyRef"]["name"]]
                    assert ref["secretKeyRef"]["key"] in secret["stringData"], item
                if "configMapKeyRef" in ref:
                    config = config_maps[ref["configMapKeyRef"]["name"]]
                    assert ref["configMapKeyRef"]["key"] in config["data"], item
            mounted = {m["name"] for m in container.get("volumeMounts", [])}
            assert mounted <= {v["name"] for v in spec.get("volumes", [])}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_variable_named_is_one_angel_reads_and_the_settings_accept_them(
    overlay: str,
) -> None:
    objects = rendered(overlay)
    known = angel_variables()
    (config,) = [o for o in objects if o["kind"] == "ConfigMap"]
    assert set(config["data"]) <= known, set(config["data"]) - known  # loaded whole (envFrom)
    named: set[str] = set(config["data"])
    for workload in workloads(objects + templates()):
        for container in containers(workload):
            names = {item["name"] for item in container.get("env", [])} - PROCESS_VARIABLES
            assert names <= known, (workload["metadata"], names - known)
            named |= names
            container_settings(objects, container)  # what the pod gets, Angel accepts
    if overlay == "production":
        assert SPEC_VARIABLES - named == set()
        assert NOT_SET_ON_PURPOSE & named == set()


def test_the_worker_outlives_its_shutdown_grace() -> None:
    for overlay in OVERLAYS:
        objects = rendered(overlay)
        container = worker_container(objects)
        settings = container_settings(objects, container)
        spec = pod_spec(one(objects, "Deployment", "angel-worker"))
        assert spec is not None
        # docs/worker.md: the grace for running calls, then releases and exit (about 15 s)
        assert spec["terminationGracePeriodSeconds"] >= settings.shutdown_grace_seconds + 15
        assert container["command"] == ["angel"] and container["args"] == ["worker"]  # PID 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_models_are_read_only_except_for_training(overlay: str) -> None:
    objects = rendered(overlay)
    (claim,) = [o for o in objects if o["kind"] == "PersistentVolumeClaim"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    for workload in workloads(objects):
        spec = pod_spec(workload)
        assert spec is not None
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for container in containers(workload):
            for mount in container.get("volumeMounts", []):
                volume = volumes[mount["name"]]
                if "persistentVolumeClaim" in volume:
                    assert mount.get("readOnly") is True, workload["metadata"]["name"]
                    assert volume["persistentVolumeClaim"].get("readOnly") is True
    for template in workloads(templates()):
        assert pod_labels(template)["app.kubernetes.io/component"] in WRITES_MODELS
        spec = pod_spec(template)
        assert spec is not None
        (mount,) = [m for m in spec["containers"][0]["volumeMounts"] if m["mountPath"] == "/models"]
        assert not mount.get("readOnly")
    training = next(o for o in templates() if o["kind"] == "Job")
    assert training["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "train", "run", "--once"
    ]  # fmt: skip


def test_production_workers_get_a_gpu_each_on_their_own_node_and_dev_none() -> None:
    production = rendered("production")
    worker = one(production, "Deployment", "angel-worker")
    assert worker["spec"]["replicas"] == 4
    assert worker_container(production)["resources"]["limits"]["nvidia.com/gpu"] == 1
    affinity = worker["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]
    (rule,) = affinity["requiredDuringSchedulingIgnoredDuringExecution"]
    assert rule["topologyKey"] == "kubernetes.io/hostname"
    assert matches(rule["labelSelector"]["matchLabels"], pod_labels(worker))
    images = {c["image"] for o in workloads(production) for c in containers(o)}
    assert images == {"registry.example.org/angel-intelligence:1.0.0"}

    dev = rendered("dev")
    assert one(dev, "Deployment", "angel-worker")["spec"]["replicas"] == 1
    assert "nvidia.com/gpu" not in worker_container(dev)["resources"]["limits"]
    assert all("nvidia.com/gpu" not in c["resources"].get("limits", {})
               for o in workloads(dev) for c in containers(o))  # fmt: skip
    assert effective_environment(dev, worker_container(dev))["WHISPER_DEVICE"] == "cpu"


def _probe_script(objects: list[Obj], probe: str) -> list[str]:
    command: list[str] = worker_container(objects)[probe]["exec"]["command"]
    return command


@pytest.mark.parametrize("probe", ["startupProbe", "readinessProbe", "livenessProbe"])
def test_the_worker_probes_read_the_file_its_loop_touches(probe: str, tmp_path: Path) -> None:
    command = _probe_script(rendered("production"), probe)
    env = {"PATH": os.environ["PATH"], "TEMP_DIR": str(tmp_path), "WORKER_ID": "angel-worker-x"}
    alive = tmp_path / "angel-worker-x" / "alive"

    def probe_passes() -> bool:
        return subprocess.run(command, env=env, capture_output=True, timeout=10).returncode == 0

    assert not probe_passes()  # not started: no file yet
    alive.parent.mkdir()
    alive.touch()  # what Worker._touch_alive_file does each poll
    assert probe_passes()
    stale = dt.datetime.now().timestamp() - 600
    os.utime(alive, (stale, stale))  # the loop stopped ticking ten minutes ago
    assert not probe_passes()


def test_the_monthly_summaries_ask_for_the_previous_month(tmp_path: Path) -> None:
    cronjob = one(rendered("production"), "CronJob", "angel-monthly-summaries")
    (container,) = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    fake = tmp_path / "angel"  # records its arguments instead of running
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$0.args"\n')
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path}:{os.environ['PATH']}"}
    subprocess.run(container["command"] + container["args"], env=env, check=True, timeout=10)
    today = dt.datetime.now(dt.UTC).date()
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    assert (tmp_path / "angel.args").read_text().split("\n")[:-1] == [
        "summaries", "generate", "--all-clients",
        "--month", str(last_month.month), "--year", str(last_month.year),
    ]  # fmt: skip


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_open_only_the_database_the_pbx_r2_and_dns(overlay: str) -> None:
    objects = rendered(overlay)
    policies = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "NetworkPolicy"}
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    settings = container_settings(objects, worker_container(objects))
    (database,) = policies["database"]["egress"]
    assert database["ports"] == [{"protocol": "TCP", "port": settings.ai_db_port}]
    (internet,) = policies["worker"]["egress"]
    assert internet["ports"] == [{"protocol": "TCP", "port": 443}]  # PBX and R2: HTTPS
    for url in (settings.pbx_recording_url, settings.pbx_archive_url, settings.r2_endpoint):
        assert url is None or url.startswith("https://")
    ports = {p["port"] for rule in policies["api"]["ingress"] for p in rule["ports"]}
    assert ports == {8000}
    assert "egress" not in policies["api"]  # the API reaches only the database (and DNS)
    if overlay == "production":
        assert settings.is_production and settings.r2_configured


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_angel_writes_lands_on_a_writable_volume(overlay: str) -> None:
    objects = rendered(overlay)
    for workload in workloads(objects + templates()):
        spec = pod_spec(workload)
        assert spec is not None
        for container in containers(workload):
            if not container.get("securityContext", {}).get("readOnlyRootFilesystem"):
                continue
            writable = [
                Path(m["mountPath"])
                for m in container.get("volumeMounts", [])
                if not m.get("readOnly")
            ]
            settings = container_settings(objects, container)
            paths = [settings.temp_dir, Path(effective_environment(objects, container)["HOME"])]
            worker = pod_labels(workload)["app.kubernetes.io/component"] == "worker"
            if worker and not settings.r2_configured:
                paths.append(settings.local_storage_path)  # retained audio stays local
            for path in paths:
                assert path.is_absolute(), (workload["metadata"]["name"], path)
                assert any(path.is_relative_to(mount) for mount in writable), (
                    workload["metadata"]["name"],
                    path,
                )
