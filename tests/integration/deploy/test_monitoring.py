"""deploy/monitoring/: every series the alert rules and the Grafana dashboard query is one Angel
exports, read from the real `/metrics` of the API app and of a worker's metrics server; the
scrape objects point at ports, labels and keys that exist in deploy/k8s.

PromQL is parsed with promql-parser (the Rust parser Prometheus-compatible projects use), so a
query that does not parse fails here too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request
from typing import Any

import promql_parser
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert
from starlette.testclient import TestClient

from angel_intelligence.bootstrap import build_api_app, build_api_services
from angel_intelligence.db.models import AiCallRecording
from angel_intelligence.services.models import ModelRegistry
from angel_intelligence.worker.metrics import WorkerMetrics
from dbkit import REPO_ROOT, TestDatabase
from deploykit import K8S_DIR, containers, load_objects, pod_labels, render

MONITORING = REPO_ROOT / "deploy" / "monitoring"
TOKEN = "m" * 64
PROMETHEUS_OWN = {"up"}  # written by Prometheus for every target it scrapes
SCRAPE_LABELS = {"namespace", "pod", "container", "job", "instance", "endpoint", "service"}
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
}
# What the issue asks the alerts to cover, by the series each alert must use.
REQUIRED_ALERTS = {
    "AngelOldestPendingCallTooOld": "angel_queue_oldest_pending_age_seconds",
    "AngelFailuresByCode": "angel_worker_jobs_total",
    "AngelExpiredLeases": "angel_queue_expired_leases",
    "AngelWorkerDown": "up",
    "AngelModelLoadError": "angel_queue_released_recordings",
}


def _exported(text: str) -> dict[str, set[str]]:
    """Series name -> its label names, from Prometheus text (families with no samples too)."""
    series: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for suffix in SUFFIXES.get(family.type, ("",)):
            series.setdefault(family.name + suffix, set())
        for sample in family.samples:
            series.setdefault(sample.name, set()).update(sample.labels)
    return series


@pytest.fixture
def exported(sqlite: TestDatabase) -> dict[str, set[str]]:
    """What a running API and a running worker's metrics server export."""
    with sqlite.engine.begin() as conn:
        conn.execute(
            insert(AiCallRecording),
            [
                {"apex_id": "1.1", "processing_status": "failed",
                 "processing_error": "DOWNLOAD_FAILED: 503", "uploaded_at": dt.datetime(2025, 1, 1)},
                {"apex_id": "1.2", "processing_status": "queued",
                 "processing_error": "MODEL_LOAD_ERROR: no model.bin",
                 "uploaded_at": dt.datetime(2025, 1, 1)},
            ],
        )  # fmt: skip
    settings = sqlite.settings(api_auth_token=TOKEN, worker_id="api-monitoring")
    app = build_api_app(
        settings, build_api_services(settings, sqlite.engine, models=ModelRegistry())
    )
    with TestClient(app) as client:
        client.get("/api/statistics", headers={"Authorization": f"Bearer {TOKEN}"})
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    series = _exported(response.text)

    metrics = WorkerMetrics()  # what `angel worker` serves on WORKER_METRICS_PORT
    metrics.job_finished("failed", "DOWNLOAD_FAILED", 3.0, {"fetch": 2.5})
    metrics.last_poll.set_to_current_time()
    port = metrics.serve(0, host="127.0.0.1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
            worker_text = reply.read().decode()
    finally:
        metrics.close()
    for name, labels in _exported(worker_text).items():
        series.setdefault(name, set()).update(labels)
    return series


def _rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((MONITORING / "prometheus-rules.yaml").read_text())
    return [rule for group in document["spec"]["groups"] for rule in group["rules"]]


def _dashboard_queries() -> list[str]:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def _selectors(expr: str) -> list[tuple[str, set[str]]]:
    """(series name, label names matched) of every vector selector in a query."""
    # Grafana's interval variables stand for a duration.
    parsed = promql_parser.parse(re.sub(r"\$__(rate_interval|interval|range)", "5m", expr))
    found: list[tuple[str, set[str]]] = []

    def visit(node: Any) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            found.append((node.name, {m.name for m in node.matchers.matchers}))
        return True

    promql_parser.walk(parsed, visit)
    return found


def test_every_series_the_rules_and_dashboard_use_is_exported(
    exported: dict[str, set[str]],
) -> None:
    queries = [rule["expr"] for rule in _rules()] + _dashboard_queries()
    assert len(queries) >= 20
    for expr in queries:
        selectors = _selectors(expr)
        assert selectors, expr
        for name, labels in selectors:
            if name in PROMETHEUS_OWN:
                assert labels <= SCRAPE_LABELS, expr
                continue
            assert name in exported, f"{name} is not exported by Angel: {expr}"
            assert labels <= exported[name] | SCRAPE_LABELS, f"{name}: {labels}: {expr}"


def test_a_misspelt_series_would_be_caught(exported: dict[str, set[str]]) -> None:
    ((name, _),) = _selectors('max(angel_queue_oldest_pending_age_second{code="X"})')
    assert name not in exported
    with pytest.raises(ValueError):
        promql_parser.parse("sum by (code) (rate(angel_worker_jobs_total[5m])")


def test_the_alerts_cover_what_the_issue_asks_and_say_what_to_do() -> None:
    rules = {rule["alert"]: rule for rule in _rules()}
    assert len(rules) == len(_rules())  # unique names
    for alert, series in REQUIRED_ALERTS.items():
        assert series in {name for name, _ in _selectors(rules[alert]["expr"])}, alert
    for rule in rules.values():
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]


def test_the_scrape_objects_point_at_real_ports_labels_and_keys() -> None:
    objects = render(K8S_DIR / "overlays" / "production")
    monitors = {o["kind"]: o for o in yaml.safe_load_all((MONITORING / "scrape.yaml").read_text())}

    worker = next(o for o in objects if o["metadata"]["name"] == "angel-worker" and o["kind"] == "Deployment")  # fmt: skip
    pod_monitor = monitors["PodMonitor"]
    assert pod_monitor["spec"]["selector"]["matchLabels"].items() <= pod_labels(worker).items()
    ports = {p["name"]: p["containerPort"] for c in containers(worker) for p in c.get("ports", [])}
    (endpoint,) = pod_monitor["spec"]["podMetricsEndpoints"]
    config = next(o for o in objects if o["kind"] == "ConfigMap")["data"]
    assert ports[endpoint["port"]] == int(config["WORKER_METRICS_PORT"])

    service = next(o for o in objects if o["kind"] == "Service")
    service_monitor = monitors["ServiceMonitor"]
    assert service_monitor["spec"]["selector"]["matchLabels"].items() <= (
        service["metadata"]["labels"].items()
    )
    (api_endpoint,) = service_monitor["spec"]["endpoints"]
    assert api_endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    secret = next(o for o in load_objects(K8S_DIR / "templates" / "secret.yaml"))
    assert api_endpoint["authorization"]["credentials"]["key"] in secret["stringData"]
    for monitor in monitors.values():
        assert monitor["metadata"]["namespace"] == service["metadata"]["namespace"]


def test_the_dashboard_is_importable_grafana_json() -> None:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    assert dashboard["uid"] and dashboard["title"] and dashboard["schemaVersion"] >= 36
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}"
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs))
