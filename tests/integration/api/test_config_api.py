"""`/api/config`: create, read, change and delete client configs on SQLite and MariaDB, with
`config_data` validated per type, one row per (client, type) including the global client, and
a custom prompt checked on the analysis model when the API has one."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest
from apikit import AUTH, build_app
from starlette.testclient import TestClient

from angel_intelligence.analysis.client_config import CONFIG_TYPES, ClientConfigResolver
from angel_intelligence.api.routes.client_configs import ConfigType
from angel_intelligence.backends.llm.mock import MockLanguageModel
from angel_intelligence.backends.llm.openai_compatible import OpenAICompatibleLanguageModel
from angel_intelligence.bootstrap import build_api_models
from angel_intelligence.db.client_configs import ClientConfigRepository
from angel_intelligence.db.engine import session_factory
from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.errors import ModelLoadError
from angel_intelligence.services.models import ModelRegistry
from angel_intelligence.settings import Settings
from dbkit import TestDatabase

TEMPLATE = (
    "Client {client_name}. Topics and rubric: {config}\n"
    "Call:\n<transcript>\n{transcript}\n</transcript>\nJSON only."
)
TOPICS = ["Regular giving signup", "Gift Aid explanation/enrolment"]


def _create(api: TestClient, **body: Any) -> dict[str, Any]:
    response = api.post("/api/config", headers=AUTH, json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == code
    message: str = body["error"]["message"]
    return message


def test_the_config_types_of_the_api_are_the_analysis_config_types() -> None:
    assert set(get_args(ConfigType)) == set(CONFIG_TYPES)


def test_create_read_change_and_delete(api: TestClient, db: TestDatabase) -> None:
    response = api.post(
        "/api/config",
        headers=AUTH,
        json={"client_ref": "ACME001", "config_type": "topics", "config_data": TOPICS},
    )
    assert response.status_code == 201
    body = response.json()
    created = body["data"]
    assert body["success"] is True and body["prompt_check"] is None
    assert created == {
        "id": created["id"],
        "client_ref": "ACME001",
        "config_type": "topics",
        "config_data": TOPICS,
        "is_active": True,
        "created_at": created["created_at"],
        "updated_at": created["updated_at"],
    }
    assert created["created_at"].endswith("Z") and created["updated_at"].endswith("Z")
    config_id = created["id"]

    read = api.get(f"/api/config/{config_id}", headers=AUTH)
    assert read.status_code == 200 and read.json() == {"success": True, "data": created}

    resolver = ClientConfigResolver(ClientConfigRepository(session_factory(db.engine)))
    assert resolver.resolve("ACME001").topics == tuple(TOPICS)  # the worker's next call

    changed = api.put(
        f"/api/config/{config_id}", headers=AUTH, json={"config_data": ["  Legacy enquiry  "]}
    )
    assert changed.status_code == 200
    assert changed.json()["data"]["config_data"] == ["Legacy enquiry"]  # stored normalised
    assert resolver.resolve("ACME001").topics == ("Legacy enquiry",)

    paused = api.put(f"/api/config/{config_id}", headers=AUTH, json={"is_active": False})
    assert paused.json()["data"]["is_active"] is False
    assert paused.json()["data"]["config_data"] == ["Legacy enquiry"]
    assert resolver.resolve("ACME001").topics != ("Legacy enquiry",)  # back to the defaults

    deleted = api.delete(f"/api/config/{config_id}", headers=AUTH)
    assert deleted.status_code == 200
    assert deleted.json()["data"]["id"] == config_id
    _error(api.get(f"/api/config/{config_id}", headers=AUTH), 404, "NOT_FOUND")
    assert api.get("/api/config", headers=AUTH).json()["count"] == 0


def test_the_global_config_has_client_ref_null(api: TestClient, db: TestDatabase) -> None:
    created = _create(api, config_type="analysis_mode", config_data={"mode": "audio"})
    assert created["client_ref"] is None
    resolver = ClientConfigResolver(ClientConfigRepository(session_factory(db.engine)))
    assert resolver.resolve("ANYONE").analysis_mode is AnalysisMode.AUDIO


def test_filters_and_pages(api: TestClient) -> None:
    ids = {
        "acme_topics": _create(api, client_ref="ACME001", config_type="topics", config_data=TOPICS),
        "acme_mode": _create(
            api,
            client_ref="ACME001",
            config_type="analysis_mode",
            config_data={"mode": "audio"},
            is_active=False,
        ),
        "other_topics": _create(api, client_ref="OTHER", config_type="topics", config_data=TOPICS),
        "global_topics": _create(api, config_type="topics", config_data=TOPICS),
    }
    ids = {name: row["id"] for name, row in ids.items()}

    def listed(query: str) -> list[int]:
        response = api.get(f"/api/config?{query}", headers=AUTH)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["count"] == len(body["data"])
        return [row["id"] for row in body["data"]]

    assert listed("") == sorted(ids.values())
    assert listed("client_ref=ACME001") == [ids["acme_topics"], ids["acme_mode"]]
    assert listed("client_ref=ACME001&type=topics") == [ids["acme_topics"]]
    assert listed("type=topics") == [ids["acme_topics"], ids["other_topics"], ids["global_topics"]]
    assert listed("global=true") == [ids["global_topics"]]
    assert listed("is_active=false") == [ids["acme_mode"]]
    assert listed("client_ref=NOBODY") == []

    first = api.get("/api/config?limit=3", headers=AUTH).json()
    assert first["count"] == 3 and first["next_after_id"] == first["data"][-1]["id"]
    rest = api.get(f"/api/config?limit=3&after_id={first['next_after_id']}", headers=AUTH).json()
    assert [row["id"] for row in rest["data"]] == [ids["global_topics"]]
    assert rest["next_after_id"] is None

    _error(api.get("/api/config?type=colours", headers=AUTH), 422, "VALIDATION_ERROR")
    message = _error(
        api.get("/api/config?client_ref=ACME001&global=true", headers=AUTH),
        422,
        "VALIDATION_ERROR",
    )
    assert "not both" in message


@pytest.mark.parametrize(
    ("config_type", "config_data", "reason"),
    [
        ("topics", [], "topics must not be empty"),
        ("topics", ["Gift Aid", "gift aid"], "topics[1] 'gift aid' duplicates item 0"),
        ("topics", {"topic": ["x"]}, "topics must be a JSON list of strings"),
        ("agent_actions", "Greeted supporter", "agent_actions must be a JSON list of strings"),
        ("agent_actions", ["Greeted", " "], "agent_actions[1] is blank"),
        ("performance_rubric", ["Clarity", 3], "performance_rubric[1] must be a string"),
        ("performance_rubric", None, "performance_rubric must be a JSON list of strings"),
        ("analysis_mode", {"mode": "video"}, '"mode" must be "audio" or "transcript"'),
        ("analysis_mode", "audio", 'analysis_mode must be {"mode": "audio"}'),
        ("prompt", {"transcript": "Analyse {config}"}, "must contain {transcript}"),
        ("prompt", {"transcript": TEMPLATE + " {secret}"}, "unknown placeholders {secret}"),
        ("prompt", {"audio": "Listen."}, "the audio template must contain {config}"),
        ("prompt", {"tone": "warm"}, "prompt has unknown keys ['tone']"),
        ("prompt", {"client_name": "Hope Trust"}, "needs a 'transcript' or an 'audio' template"),
    ],
)
def test_invalid_config_data_is_422_saying_what_is_wrong(
    api: TestClient, config_type: str, config_data: Any, reason: str
) -> None:
    body = {"client_ref": "ACME001", "config_type": config_type, "config_data": config_data}
    message = _error(api.post("/api/config", headers=AUTH, json=body), 422, "INVALID_CONFIG")
    assert message.startswith(f"config_data is not a valid {config_type} config: ")
    assert reason in message
    assert api.get("/api/config", headers=AUTH).json()["count"] == 0


def test_a_change_is_validated_for_the_rows_type(api: TestClient) -> None:
    row = _create(api, config_type="analysis_mode", config_data={"mode": "audio"})
    response = api.put(f"/api/config/{row['id']}", headers=AUTH, json={"config_data": TOPICS})
    assert "analysis_mode must be" in _error(response, 422, "INVALID_CONFIG")
    assert api.get(f"/api/config/{row['id']}", headers=AUTH).json()["data"] == row


@pytest.mark.parametrize(
    "body",
    [
        {"client_ref": "ACME001", "config_type": "colours", "config_data": ["Red"]},
        {"client_ref": "ACME001", "config_type": "topics"},
        {"client_ref": "", "config_type": "topics", "config_data": TOPICS},
        {"client_ref": " ACME001", "config_type": "topics", "config_data": TOPICS},
        {"client_ref": "A" * 256, "config_type": "topics", "config_data": TOPICS},
        {"client_ref": "ACME001", "config_type": "topics", "config_data": TOPICS, "extra": 1},
    ],
)
def test_a_malformed_request_is_422(api: TestClient, body: dict[str, Any]) -> None:
    response = api.post("/api/config", headers=AUTH, json=body)
    _error(response, 422, "VALIDATION_ERROR")
    assert response.json()["error"]["details"]


def test_text_that_is_not_unicode_is_422_not_500(api: TestClient) -> None:
    for raw in (
        b'{"client_ref": "\\ud800", "config_type": "topics", "config_data": ["A"]}',
        b'{"config_type": "prompt", "config_data": "{config} {transcript} \\udfff"}',
    ):
        response = api.post(
            "/api/config", headers={**AUTH, "Content-Type": "application/json"}, content=raw
        )
        _error(response, 422, "VALIDATION_ERROR")


def test_one_config_per_client_and_type_including_the_global_client(api: TestClient) -> None:
    _create(api, client_ref="ACME001", config_type="topics", config_data=TOPICS)
    _create(api, config_type="topics", config_data=TOPICS)
    _create(api, client_ref="OTHER", config_type="topics", config_data=TOPICS)
    _create(api, client_ref="ACME001", config_type="agent_actions", config_data=["Greeted"])

    again = {"client_ref": "ACME001", "config_type": "topics", "config_data": ["Legacy"]}
    message = _error(api.post("/api/config", headers=AUTH, json=again), 409, "CONFIG_EXISTS")
    assert message == "client 'ACME001' already has a topics config; change that one (PUT) instead"

    second_global = {"config_type": "topics", "config_data": ["Legacy"]}
    message = _error(
        api.post("/api/config", headers=AUTH, json=second_global), 409, "CONFIG_EXISTS"
    )
    assert message.startswith("the global config already has a topics config")
    explicit_null = {**second_global, "client_ref": None}
    _error(api.post("/api/config", headers=AUTH, json=explicit_null), 409, "CONFIG_EXISTS")

    # An inactive row still holds its place: reactivate it rather than adding another.
    inactive = _create(
        api, client_ref="PAUSED", config_type="topics", config_data=TOPICS, is_active=False
    )
    again = {"client_ref": "PAUSED", "config_type": "topics", "config_data": TOPICS}
    _error(api.post("/api/config", headers=AUTH, json=again), 409, "CONFIG_EXISTS")
    assert api.get("/api/config", headers=AUTH).json()["count"] == 5

    api.delete(f"/api/config/{inactive['id']}", headers=AUTH)
    assert api.post("/api/config", headers=AUTH, json=again).status_code == 201


def test_unknown_ids_are_404(api: TestClient) -> None:
    for method, body in (("GET", None), ("PUT", {"is_active": False}), ("DELETE", None)):
        response = api.request(method, "/api/config/999", headers=AUTH, json=body)
        assert _error(response, 404, "NOT_FOUND") == "No config with id 999."
    _error(api.get("/api/config/0", headers=AUTH), 422, "VALIDATION_ERROR")
    _error(api.get("/api/config/abc", headers=AUTH), 422, "VALIDATION_ERROR")


def test_a_change_keeps_the_client_and_the_type(api: TestClient) -> None:
    row = _create(api, client_ref="ACME001", config_type="topics", config_data=TOPICS)
    url = f"/api/config/{row['id']}"
    message = _error(
        api.put(url, headers=AUTH, json={"client_ref": "OTHER", "config_data": TOPICS}),
        422,
        "VALIDATION_ERROR",
    )
    assert message.startswith("client_ref cannot be changed")
    message = _error(
        api.put(url, headers=AUTH, json={"client_ref": None, "is_active": False}),
        422,
        "VALIDATION_ERROR",
    )
    assert message.startswith("client_ref cannot be changed")
    message = _error(
        api.put(url, headers=AUTH, json={"config_type": "agent_actions", "config_data": TOPICS}),
        422,
        "VALIDATION_ERROR",
    )
    assert message.startswith("config_type cannot be changed")
    assert "nothing to change" in _error(
        api.put(url, headers=AUTH, json={}), 422, "VALIDATION_ERROR"
    )

    # The whole row sent back, as a form would, is fine.
    whole = {k: row[k] for k in ("client_ref", "config_type", "is_active")}
    changed = api.put(url, headers=AUTH, json={**whole, "config_data": ["Legacy enquiry"]})
    assert changed.status_code == 200 and changed.json()["data"]["config_data"] == [
        "Legacy enquiry"
    ]


# --- Custom prompts ------------------------------------------------------------------------


def _api_with(db: TestDatabase, registry: ModelRegistry, **settings: Any) -> TestClient:
    app, _ = build_app(db, models=registry, **settings)
    return TestClient(app, raise_server_exceptions=False)


def test_without_an_analysis_model_a_prompt_is_checked_for_its_placeholders(
    api: TestClient,
) -> None:
    body = {
        "client_ref": "ACME001",
        "config_type": "prompt",
        "config_data": {"transcript": TEMPLATE, "client_name": " Hope Trust ", "audio": ""},
    }
    response = api.post("/api/config", headers=AUTH, json=body)
    assert response.status_code == 201
    assert response.json()["prompt_check"] == "placeholders"
    assert response.json()["data"]["config_data"] == {
        "transcript": TEMPLATE,
        "client_name": "Hope Trust",
    }


class _Replies:
    """A language model that gives fixed replies and counts the requests."""

    model_name = "fixed"
    model_version = "test"
    supports_audio = False

    def __init__(self, reply: str) -> None:
        self.reply, self.requests = reply, 0

    def generate(self, messages: list[dict[str, Any]], **options: Any) -> str:
        self.requests += 1
        return self.reply


def test_with_an_analysis_model_a_prompt_is_run_before_it_is_saved(
    sqlite: TestDatabase,
) -> None:
    registry = ModelRegistry()
    registry.register("analysis", "mock", MockLanguageModel)
    body = {"client_ref": "ACME001", "config_type": "prompt", "config_data": TEMPLATE}
    with _api_with(sqlite, registry) as client:
        response = client.post("/api/config", headers=AUTH, json=body)
        assert response.status_code == 201, response.text
        assert response.json()["prompt_check"] == "model"
        assert response.json()["data"]["config_data"] == {"transcript": TEMPLATE}

        # is_active alone does not run the model again; a new template does.
        url = f"/api/config/{response.json()['data']['id']}"
        assert (
            client.put(url, headers=AUTH, json={"is_active": False}).json()["prompt_check"] is None
        )
        changed = client.put(url, headers=AUTH, json={"config_data": {"transcript": TEMPLATE}})
        assert changed.json()["prompt_check"] == "model"


def test_a_prompt_whose_analysis_is_invalid_is_refused(sqlite: TestDatabase) -> None:
    model = _Replies("Here you go: {}")
    registry = ModelRegistry()
    registry.register("analysis", "test", lambda: model)
    body = {"config_type": "prompt", "config_data": TEMPLATE}
    with _api_with(sqlite, registry) as client:
        response = client.post("/api/config", headers=AUTH, json=body)
        message = _error(response, 422, "INVALID_CONFIG")
        assert "did not produce a valid analysis of the sample call" in message
        assert "ANALYSIS_PARSE_ERROR" in message
        assert model.requests == 1  # no re-prompts
        assert client.get("/api/config", headers=AUTH).json()["count"] == 0
        # The other types never reach the model.
        topics = {"config_type": "topics", "config_data": TOPICS}
        assert client.post("/api/config", headers=AUTH, json=topics).status_code == 201
        assert model.requests == 1


def test_a_prompt_is_not_saved_unchecked_when_the_model_cannot_load(sqlite: TestDatabase) -> None:
    def broken() -> Any:
        raise ModelLoadError("no model files at /models/analysis/current")

    registry = ModelRegistry()
    registry.register("analysis", "v1", broken)
    body = {"config_type": "prompt", "config_data": TEMPLATE}
    with _api_with(sqlite, registry) as client:
        message = _error(
            client.post("/api/config", headers=AUTH, json=body), 503, "MODEL_LOAD_ERROR"
        )
        assert (
            message == "the prompt could not be checked: no model files at /models/analysis/current"
        )
        assert client.get("/api/config", headers=AUTH).json()["count"] == 0


def test_the_api_has_the_analysis_model_only_when_it_is_served(
    make_settings: Callable[..., Settings],
) -> None:
    served = build_api_models(make_settings(analysis_llm_url="http://127.0.0.1:9/v1"))
    assert "analysis" in served
    assert isinstance(served.get("analysis"), OpenAICompatibleLanguageModel)
    assert "analysis" not in build_api_models(make_settings())  # in-process: placeholders only


def test_api_prompt_check_chooses_whether_the_api_holds_the_analysis_model(
    make_settings: Callable[..., Settings],
) -> None:
    assert "analysis" in build_api_models(make_settings(api_prompt_check="model"))
    never = make_settings(api_prompt_check="placeholders", analysis_llm_url="http://127.0.0.1:9/v1")
    assert "analysis" not in build_api_models(never)


# Converted once per machine, shared with test_analysis_smollm.py.
MODEL_CACHE = Path(tempfile.gettempdir()) / "angel-intelligence-test-model-cache"


@pytest.mark.models
@pytest.mark.slow
def test_a_prompt_is_run_on_the_bundled_model_through_the_api(sqlite: TestDatabase) -> None:
    from angel_intelligence.backends.llm.model_files import locate_model
    from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel

    smollm = TransformersLanguageModel(
        locate_model(Path("missing-so-bundled"), allow_bundled=True),
        cache_dir=MODEL_CACHE,
        cpu_threads=1,
    )
    asked: list[str] = []

    class Recording:
        model_name, model_version, supports_audio = (
            smollm.model_name,
            smollm.model_version,
            smollm.supports_audio,
        )

        def generate(self, messages: list[dict[str, Any]], **options: Any) -> str:
            asked.append(messages[-1]["content"])
            return smollm.generate(messages, **options)

    registry = ModelRegistry()
    registry.register("analysis", "bundled", Recording)
    body = {
        "client_ref": "ACME001",
        "config_type": "prompt",
        "config_data": {"transcript": TEMPLATE, "client_name": "Hope Trust"},
    }
    with _api_with(sqlite, registry, analysis_max_new_tokens=700) as client:
        response = client.post("/api/config", headers=AUTH, json=body)
    assert len(asked) == 1 and asked[0].startswith("Client Hope Trust. Topics and rubric: {")
    # The toy model may or may not write a valid analysis; either way the API says which.
    if response.status_code == 201:
        assert response.json()["prompt_check"] == "model"
    else:
        message = _error(response, 422, "INVALID_CONFIG")
        assert "did not produce a valid analysis of the sample call" in message


def test_a_malformed_request_says_what_is_wrong(api: TestClient) -> None:
    body = {"config_type": "colours", "config_data": ["Red"]}
    message = _error(api.post("/api/config", headers=AUTH, json=body), 422, "VALIDATION_ERROR")
    assert message.startswith(
        "The request is not valid: body.config_type: Input should be 'topics'"
    )
    body = {"client_ref": "ACME001 ", "config_type": "topics", "config_data": ["Red"]}
    message = _error(api.post("/api/config", headers=AUTH, json=body), 422, "VALIDATION_ERROR")
    assert "body.client_ref" in message and "must not start or end with white space" in message
