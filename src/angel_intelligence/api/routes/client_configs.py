"""`/api/config`: per-client and global overrides of the analysis config (`ai_client_configs`).

The spec's "Client Configuration System": one row per (client_ref, config_type), `client_ref`
NULL for the global row. `config_data` is validated for its type before it is saved
(`services/client_configs.py`); a prompt is also run once on the sample call when this process
has an analysis model registered. The worker reads the table on every
call, so a change applies to the next call analysed. See docs/api.md.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue

from angel_intelligence.api.deps import ServicesDep
from angel_intelligence.api.errors import ApiError, ErrorResponse
from angel_intelligence.domain.client_config import ClientConfigFilter, StoredClientConfig
from angel_intelligence.services.client_configs import (
    ConfigExistsError,
    ConfigNotFoundError,
    ConfigRejectedError,
    PromptCheck,
    PromptCheckUnavailableError,
)

router = APIRouter(prefix="/api/config", tags=["client config"])

MAX_PAGE = 1000

ConfigType = Literal[
    "topics",
    "agent_actions",
    "performance_rubric",
    "prompt",
    "analysis_mode",
    "keywords",
    "compliance",
]


def _client_ref(value: str) -> str:
    if value != value.strip():
        raise ValueError("client_ref must not start or end with white space")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise ValueError("client_ref must not contain control characters")
    return value


def _storable(value: Any) -> Any:
    # A lone surrogate ("\ud800" in the JSON) cannot be stored or sent back as UTF-8.
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("config_data contains text that is not valid Unicode") from None
    return value


ClientRef = Annotated[
    str,
    Field(min_length=1, max_length=255, examples=["ACME001"]),
    AfterValidator(_client_ref),
]
ConfigData = Annotated[Any, AfterValidator(_storable)]

CONFIG_DATA_DESCRIPTION = (
    "topics, agent_actions, performance_rubric: a list of unique strings; "
    'analysis_mode: {"mode": "audio" | "transcript"}; prompt: {"transcript": template, '
    '"audio": template, "client_name": ..., "version": ...} with {config} and {transcript} '
    'placeholders; keywords: {topic or action: [phrase, ...]}; compliance: {"rules": [rule, '
    '...], "gift_aid_wording": [[phrase, ...], ...], "data_protection_phrases": [...], '
    '"vulnerability_cues": [...]} (docs/analysis.md)'
)
EXAMPLES: list[JsonValue] = [
    {
        "client_ref": "ACME001",
        "config_type": "topics",
        "config_data": ["Regular giving signup", "Gift Aid explanation/enrolment"],
    },
    {"client_ref": None, "config_type": "analysis_mode", "config_data": {"mode": "transcript"}},
    {
        "client_ref": "ACME001",
        "config_type": "keywords",
        "config_data": {"Gift Aid explanation/enrolment": ["claim (the )?tax back"]},
    },
    {
        "client_ref": "ACME001",
        "config_type": "compliance",
        "config_data": {"disabled_rules": ["vulnerability_not_acknowledged"]},
    },
    {
        "client_ref": "ACME001",
        "config_type": "prompt",
        "config_data": {
            "transcript": "Analyse this call for {client_name}.\nConfig: {config}\n"
            "<transcript>\n{transcript}\n</transcript>\nReply with JSON only.",
            "client_name": "Hope Trust",
            "version": "2026-01",
        },
    },
]


class ConfigCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": EXAMPLES})

    client_ref: ClientRef | None = Field(
        default=None, description="The client; null or omitted for the global config"
    )
    config_type: ConfigType
    config_data: ConfigData = Field(description=CONFIG_DATA_DESCRIPTION)
    is_active: bool = True


class ConfigUpdate(BaseModel):
    """config_data and/or is_active. client_ref and config_type may be sent back unchanged
    (a whole row), but not changed: delete the row and create another."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"config_data": ["Regular giving signup", "Legacy enquiry"]},
                {"is_active": False},
            ]
        },
    )

    client_ref: ClientRef | None = None
    config_type: ConfigType | None = None
    config_data: ConfigData = Field(default=None, description=CONFIG_DATA_DESCRIPTION)
    is_active: bool | None = None


class ConfigPublic(BaseModel):
    id: int
    client_ref: str | None = Field(description="null: the global config")
    config_type: str
    config_data: Any
    is_active: bool
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


class ConfigResponse(BaseModel):
    success: bool = True
    data: ConfigPublic


class ConfigSavedResponse(ConfigResponse):
    prompt_check: PromptCheck | None = Field(
        default=None,
        description="For a prompt: 'model' when it was run on the sample call, 'placeholders' "
        "when this process has no analysis model and only the placeholders were checked",
    )


class ConfigPage(BaseModel):
    success: bool = True
    count: int
    data: list[ConfigPublic]
    next_after_id: int | None = None


ConfigId = Annotated[int, Path(alias="id", ge=1, le=2**63 - 1)]
_FIXED = "{field} cannot be changed; delete this config and create another for the new {field}"
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No config with this id"}
}


@contextmanager
def _answers() -> Iterator[None]:
    """The service's refusals as the API's errors (docs/api.md)."""
    try:
        yield
    except ConfigNotFoundError as error:
        raise ApiError(404, "NOT_FOUND", str(error)) from None
    except ConfigExistsError as error:
        raise ApiError(409, "CONFIG_EXISTS", str(error)) from None
    except ConfigRejectedError as error:
        raise ApiError(422, "INVALID_CONFIG", str(error)) from None
    except PromptCheckUnavailableError as error:
        raise ApiError(503, error.code, str(error)) from None


@router.get("", response_model=ConfigPage)
def list_client_configs(
    services: ServicesDep,
    client_ref: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
    config_type: Annotated[ConfigType | None, Query(alias="type")] = None,
    global_only: Annotated[
        bool, Query(alias="global", description="Only the global rows (client_ref null)")
    ] = False,
    is_active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    after_id: Annotated[int, Query(ge=0, le=2**63 - 1, description="Page cursor")] = 0,
) -> dict[str, Any]:
    """List configs, filtered by client_ref, type, global and is_active, in id order."""
    if client_ref is not None and global_only:
        raise ApiError(422, "VALIDATION_ERROR", "give client_ref or global=true, not both")
    filters = ClientConfigFilter(
        client_ref=client_ref,
        global_only=global_only,
        config_type=config_type,
        is_active=is_active,
    )
    rows = services.client_configs.list(filters, after_id=after_id, limit=limit)
    return {
        "success": True,
        "count": len(rows),
        "data": [_public(row) for row in rows],
        "next_after_id": rows[-1].id if len(rows) == limit else None,
    }


@router.get("/{id}", response_model=ConfigResponse, responses=NOT_FOUND)
def read_client_config(config_id: ConfigId, services: ServicesDep) -> dict[str, Any]:
    """One config by id."""
    with _answers():
        return {"success": True, "data": _public(services.client_configs.get(config_id))}


@router.post(
    "",
    response_model=ConfigSavedResponse,
    status_code=status.HTTP_201_CREATED,
    responses={
        409: {"model": ErrorResponse, "description": "This client already has this type"},
        503: {"model": ErrorResponse, "description": "The prompt could not be checked"},
    },
)
def create_client_config(body: ConfigCreate, services: ServicesDep) -> dict[str, Any]:
    """Create a config for a client (or the global one); config_data is validated first."""
    with _answers():
        row, check = services.client_configs.create(
            body.client_ref, body.config_type, body.config_data, is_active=body.is_active
        )
    return {"success": True, "data": _public(row), "prompt_check": check}


@router.put(
    "/{id}",
    response_model=ConfigSavedResponse,
    responses={
        **NOT_FOUND,
        503: {"model": ErrorResponse, "description": "The prompt could not be checked"},
    },
)
def update_client_config(
    config_id: ConfigId, body: ConfigUpdate, services: ServicesDep
) -> dict[str, Any]:
    """Change a config's config_data and/or is_active (client_ref and config_type are fixed)."""
    given = body.model_fields_set
    with _answers():
        row = services.client_configs.get(config_id)
        if "client_ref" in given and body.client_ref != row.client_ref:
            raise ApiError(422, "VALIDATION_ERROR", _FIXED.format(field="client_ref"))
        if "config_type" in given and body.config_type != row.config_type:
            raise ApiError(422, "VALIDATION_ERROR", _FIXED.format(field="config_type"))
        if "config_data" not in given and body.is_active is None:
            raise ApiError(
                422, "VALIDATION_ERROR", "nothing to change: give config_data or is_active"
            )
        updated, check = services.client_configs.update(
            config_id,
            config_data=body.config_data,
            data_given="config_data" in given,
            is_active=body.is_active,
        )
    return {"success": True, "data": _public(updated), "prompt_check": check}


@router.delete("/{id}", response_model=ConfigResponse, responses=NOT_FOUND)
def delete_client_config(config_id: ConfigId, services: ServicesDep) -> dict[str, Any]:
    """Delete a config; `data` is the row as it was (PUT is_active=false pauses one instead)."""
    with _answers():
        return {"success": True, "data": _public(services.client_configs.delete(config_id))}


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    # Stored as naive UTC (db/models.py); sent with the zone, as "2026-01-15T10:00:00Z".
    return moment.replace(tzinfo=dt.UTC) if moment is not None else None


def _public(row: StoredClientConfig) -> dict[str, Any]:
    return {
        "id": row.id,
        "client_ref": row.client_ref,
        "config_type": row.config_type,
        "config_data": row.config_data,
        "is_active": row.is_active,
        "created_at": _utc(row.created_at),
        "updated_at": _utc(row.updated_at),
    }
