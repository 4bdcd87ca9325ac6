"""docker-compose.yml and the Jetson node's compose file, validated offline: the Compose
specification's JSON schema (vendored, tests/data/compose-spec), then what the schema cannot know:
every variable is one Angel reads, every command is a real `angel` command, dependencies exist,
the PBX stub serves what the worker asks for, and stop grace periods cover the worker's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from angel_intelligence.testing.pbx_serve import SAMPLE_APEX_ID, build_parser
from angel_intelligence.testing.pbx_stub import PbxStub
from dbkit import DATA_DIR, REPO_ROOT
from deploykit import (
    COMPOSE_FILES,
    NOT_ANGELS,
    angel_variables,
    env_file_names,
    load_yaml,
    parse_angel_command,
    seconds,
)

SCHEMA = json.loads((DATA_DIR / "compose-spec" / "compose-spec.json").read_text())
DEFAULT_SHUTDOWN_GRACE_S = 15.0


def angel_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run Angel's image (built from this repository)."""
    return {
        name: service
        for name, service in compose["services"].items()
        if "build" in service or str(service.get("image", "")).startswith("angel-intelligence")
    }


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_there_is_a_development_file_and_a_jetson_node_file() -> None:
    names = [path.relative_to(REPO_ROOT).as_posix() for path in COMPOSE_FILES]
    assert names == ["docker-compose.yml", "deploy/compose/jetson-node.yml"]


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_it_follows_the_compose_specification(path: Path) -> None:
    validator = jsonschema.Draft7Validator(SCHEMA)
    errors = sorted(validator.iter_errors(load_yaml(path)), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_catches_a_mistake() -> None:
    # The validation above can fail: a misspelt key is refused.
    compose = load_yaml(COMPOSE_FILES[0])
    compose["services"]["worker"]["restart_policy"] = "always"
    assert not jsonschema.Draft7Validator(SCHEMA).is_valid(compose)


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_every_variable_given_to_angel_is_one_angel_reads(path: Path) -> None:
    known = angel_variables() | set(NOT_ANGELS)
    for name, service in angel_services(load_yaml(path)).items():
        unknown = sorted(set(environment(service)) - known)
        assert not unknown, f"{path.name}: {name} sets {unknown}, which Angel does not read"


def test_the_jetson_env_file_names_only_variables_angel_reads() -> None:
    names = env_file_names(REPO_ROOT / "deploy" / "compose" / "jetson-node.env.example")
    assert "WORKER_ID" in names and "API_AUTH_TOKEN" in names
    assert sorted(set(names) - angel_variables()) == []


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_dependencies_exist_and_commands_are_real(path: Path) -> None:
    compose = load_yaml(path)
    services = compose["services"]
    for name, service in services.items():
        missing = sorted(set(service.get("depends_on") or {}) - set(services))
        assert not missing, f"{name} depends on {missing}, which are not services"
    for service in angel_services(compose).values():
        if "entrypoint" in service:
            continue  # the PBX stub (below)
        parse_angel_command([str(word) for word in service["command"]])


def test_parse_angel_command_refuses_what_angel_would() -> None:
    with pytest.raises(Exception, match=r"no command|No such"):
        parse_angel_command(["wroker"])
    with pytest.raises(Exception, match="No such option"):
        parse_angel_command(["worker", "--forever"])


def test_the_development_stack_runs_migrate_before_api_and_worker() -> None:
    services = load_yaml(COMPOSE_FILES[0])["services"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    for name in ("api", "worker", "pbx"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["migrate"]["depends_on"]["mariadb"] == {"condition": "service_healthy"}
    assert services["llama-server"]["profiles"] == ["llm"]


def test_the_pbx_stub_serves_the_call_the_worker_asks_for() -> None:
    services = load_yaml(COMPOSE_FILES[0])["services"]
    pbx = services["pbx"]
    assert pbx["entrypoint"][-2:] == ["-m", "angel_intelligence.testing.pbx_serve"]
    args = build_parser().parse_args([str(word) for word in pbx["command"]])
    worker = environment(services["worker"])
    assert worker["PBX_RECORDING_URL"] == f"http://pbx:{args.port}/callrec/"
    assert worker["PBX_ARCHIVE_URL"] == f"http://pbx:{args.port}/"
    assert args.queue_into.startswith("mysql+pymysql://")
    assert "@mariadb:3306/" + worker["AI_DB_DATABASE"] in args.queue_into
    # its health check fetches the archive path the worker falls back to
    archive_path = PbxStub.paths(SAMPLE_APEX_ID)[1]
    assert f"http://127.0.0.1:{args.port}{archive_path}" in " ".join(pbx["healthcheck"]["test"])


def test_workers_get_more_time_to_stop_than_their_shutdown_grace() -> None:
    for path in COMPOSE_FILES:
        service = load_yaml(path)["services"]["worker"]
        grace = float(environment(service).get("SHUTDOWN_GRACE_SECONDS", DEFAULT_SHUTDOWN_GRACE_S))
        assert seconds(service["stop_grace_period"]) >= grace + 15, path.name


def test_the_jetson_node_has_the_specs_shape() -> None:
    compose = load_yaml(COMPOSE_FILES[1])
    for name in ("worker", "llama-server"):
        service = compose["services"][name]
        assert service["restart"] == "unless-stopped"
        assert service["deploy"]["resources"]["reservations"]["devices"] == [
            {"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}
        ]
        assert environment(service)["CUDA_VISIBLE_DEVICES"] == "0"
        assert "/srv/angel/models:/models:ro" in service["volumes"]
    worker = compose["services"]["worker"]
    env = environment(worker)
    assert env["ANGEL_ENV"] == "production"
    assert env["MODELS_BASE_PATH"] == "/models"
    assert env["ANALYSIS_LLM_URL"] == "http://llama-server:8080/v1"
    args = worker["build"]["args"]
    assert args["BASE"].startswith("${L4T_BASE:-nvcr.io/nvidia/l4t-")
    assert args["PYTHON"] == "python3.11"
    assert env["WHISPER_DEVICE"] == "cuda"
