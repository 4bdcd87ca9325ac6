"""Which topics, actions, rubric, prompt and mode apply to a call, and where each came from.

Per config type (`topics`, `agent_actions`, `performance_rubric`, `prompt`, `analysis_mode`,
and the evidence's `keywords` and `compliance`), the first of these wins (spec, "Client
Configuration System"):

1. the active `ai_client_configs` row for the call's `client_ref`;
2. the active global row (`client_ref` NULL);
3. the file at `CALL_ANALYSIS_CONFIG_PATH` (any subset of the types);
4. the built-in defaults: the spec's `call_analysis_config.json`, shipped in the package
   (`ANALYSIS_MODE` for the mode; the built-in templates for the prompt).

Unlike the spec's sample code, the fall-back is per type: a client that only overrides its
topics still gets the global or default rubric. `validate_config_data` checks one type's
`config_data`; the API uses it before saving, and resolution uses it again on every row read,
so a row written to the table by hand cannot slip through.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from angel_intelligence import prompts
from angel_intelligence.analysis.evidence import ComplianceOptions, EvidenceOptions
from angel_intelligence.analysis.evidence.config import (
    EvidenceConfigError,
    compliance_json,
    keywords_json,
    parse_compliance,
    parse_keywords,
)
from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.domain.client_config import StoredClientConfig
from angel_intelligence.errors import ConfigurationError, InvalidAnalysisConfigError
from angel_intelligence.ports import ClientConfigStore

LIST_TYPES: tuple[str, ...] = ("topics", "agent_actions", "performance_rubric")
EVIDENCE_TYPES: tuple[str, ...] = ("keywords", "compliance")
CONFIG_TYPES: tuple[str, ...] = (*LIST_TYPES, "prompt", "analysis_mode", *EVIDENCE_TYPES)
MAX_LIST_ITEMS = 200
MAX_ITEM_CHARS = 200
MAX_TEMPLATE_CHARS = 20_000
PROMPT_KEYS = ("transcript", "audio", "client_name", "version")
# What each mode's template must contain: the model cannot follow a config it never sees, and
# in transcript mode the transcript is the only input.
REQUIRED_PLACEHOLDERS: Mapping[str, tuple[str, ...]] = {
    "transcript": ("config", "transcript"),
    "audio": ("config",),
}


class ConfigSource(StrEnum):
    """Where one part of a resolved config came from."""

    CLIENT = "client"
    GLOBAL = "global"
    FILE = "file"
    SETTINGS = "settings"
    DEFAULT = "default"
    OVERRIDE = "override"  # chosen by the caller (e.g. `angel analyse --mode`)


class InvalidConfigError(ValueError):
    """A `config_data` value is not valid for its type; the message says why."""


@dataclass(frozen=True, slots=True)
class PromptTemplates:
    """A custom prompt: a user-message template per mode (at least one), with placeholders."""

    transcript: str | None = None
    audio: str | None = None
    client_name: str | None = None
    version: str | None = None

    def for_mode(self, mode: AnalysisMode) -> str | None:
        return self.transcript if mode is AnalysisMode.TRANSCRIPT else self.audio


@dataclass(frozen=True)
class ResolvedConfig:
    """The analysis config for one call, and the source of each part."""

    topics: tuple[str, ...]
    agent_actions: tuple[str, ...]
    performance_rubric: tuple[str, ...]
    analysis_mode: AnalysisMode
    prompt: PromptTemplates | None = None  # None: the built-in templates
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    """A client's own keywords per topic or action (added to the built-in cues)."""
    compliance: ComplianceOptions = field(default_factory=ComplianceOptions)
    """Which compliance rules run, and their wording."""
    client_ref: str | None = None
    sources: Mapping[str, ConfigSource] = field(default_factory=lambda: MappingProxyType({}))
    row_ids: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def prompt_config(self) -> dict[str, list[str]]:
        """The `{config}` the model sees: the three lists, as in `call_analysis_config.json`."""
        return {
            "topics": list(self.topics),
            "agent_actions": list(self.agent_actions),
            "performance_rubric": list(self.performance_rubric),
        }

    def evidence_options(self) -> EvidenceOptions:
        """What evidence extraction is given for this config: the keywords of the configured
        topics and actions (a keyword's item matched ignoring case) and the compliance rules."""
        items = {item.casefold(): item for item in (*self.topics, *self.agent_actions)}
        keywords = {
            items[name.casefold()]: expressions
            for name, expressions in self.keywords.items()
            if name.casefold() in items
        }
        return EvidenceOptions(keywords=MappingProxyType(keywords), compliance=self.compliance)

    def with_mode(self, mode: AnalysisMode) -> ResolvedConfig:
        """The same config with the mode chosen by the caller."""
        sources = MappingProxyType({**self.sources, "analysis_mode": ConfigSource.OVERRIDE})
        row_ids = MappingProxyType({k: v for k, v in self.row_ids.items() if k != "analysis_mode"})
        return replace(self, analysis_mode=mode, sources=sources, row_ids=row_ids)

    def describe_sources(self) -> dict[str, str]:
        """Per type, "client:12", "global:3", "file", "settings" or "default" (for the record)."""
        described = {}
        for config_type in CONFIG_TYPES:
            source = self.sources.get(config_type, ConfigSource.DEFAULT)
            row = self.row_ids.get(config_type)
            described[config_type] = f"{source}:{row}" if row is not None else str(source)
        return described


# --- Validation of one config type -----------------------------------------------------------


def validate_config_data(config_type: str, data: Any) -> Any:
    """Check `config_data` for `config_type`; return its normalised JSON form, or raise.

    - `topics`, `agent_actions`, `performance_rubric`: a non-empty list of unique, non-blank
      strings (also accepted: `{"<type>": [...]}`); returned as a list, items stripped.
    - `analysis_mode`: `{"mode": "audio" | "transcript"}`.
    - `prompt`: `{"transcript": template, "audio": template, "client_name": str, "version":
      str}`, at least one template (a bare string is taken as the transcript template); each
      template must contain the placeholders its mode needs and no unknown `{name}`.
    - `keywords`, `compliance`: the evidence's (`analysis/evidence/config.py`).

    Raises InvalidConfigError with a message fit to show to the person who wrote the config.
    """
    if config_type in LIST_TYPES:
        return list(_string_list(config_type, data))
    if config_type == "analysis_mode":
        return {"mode": _mode(data).value}
    if config_type == "prompt":
        templates = _prompt(data)
        return {key: getattr(templates, key) for key in PROMPT_KEYS if getattr(templates, key)}
    if config_type == "keywords":
        return keywords_json(_evidence_part(config_type, data))
    if config_type == "compliance":
        return compliance_json(data, _evidence_part(config_type, data))
    raise InvalidConfigError(
        f"unknown config_type {config_type!r}; expected one of {', '.join(CONFIG_TYPES)}"
    )


def _string_list(config_type: str, data: Any) -> tuple[str, ...]:
    if isinstance(data, dict) and set(data) == {config_type}:
        data = data[config_type]
    if not isinstance(data, list):
        raise InvalidConfigError(f"{config_type} must be a JSON list of strings")
    if not data:
        raise InvalidConfigError(f"{config_type} must not be empty")
    if len(data) > MAX_LIST_ITEMS:
        raise InvalidConfigError(f"{config_type} has {len(data)} items; at most {MAX_LIST_ITEMS}")
    items: list[str] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data):
        if not isinstance(item, str):
            raise InvalidConfigError(f"{config_type}[{index}] must be a string")
        text = item.strip()
        if not text:
            raise InvalidConfigError(f"{config_type}[{index}] is blank")
        if len(text) > MAX_ITEM_CHARS:
            raise InvalidConfigError(
                f"{config_type}[{index}] is {len(text)} characters; at most {MAX_ITEM_CHARS}"
            )
        if any(unicodedata.category(ch) == "Cc" for ch in text):
            raise InvalidConfigError(f"{config_type}[{index}] contains control characters")
        key = text.casefold()
        if key in seen:
            raise InvalidConfigError(f"{config_type}[{index}] {text!r} duplicates item {seen[key]}")
        seen[key] = index
        items.append(text)
    return tuple(items)


def _mode(data: Any) -> AnalysisMode:
    if not isinstance(data, dict) or set(data) != {"mode"}:
        raise InvalidConfigError(
            'analysis_mode must be {"mode": "audio"} or {"mode": "transcript"}'
        )
    try:
        return AnalysisMode(data["mode"])
    except ValueError:
        raise InvalidConfigError(
            f'analysis_mode "mode" must be "audio" or "transcript", not {data["mode"]!r}'
        ) from None


def _prompt(data: Any) -> PromptTemplates:
    if isinstance(data, str):
        data = {"transcript": data}
    if not isinstance(data, dict):
        raise InvalidConfigError("prompt must be a JSON object with a transcript or audio template")
    unknown = sorted(set(data) - set(PROMPT_KEYS))
    if unknown:
        raise InvalidConfigError(
            f"prompt has unknown keys {unknown}; allowed: {', '.join(PROMPT_KEYS)}"
        )
    for key in PROMPT_KEYS:
        if key in data and data[key] is not None and not isinstance(data[key], str):
            raise InvalidConfigError(f"prompt {key!r} must be a string")
    if not (data.get("transcript") or data.get("audio")):
        raise InvalidConfigError("prompt needs a 'transcript' or an 'audio' template (or both)")
    for mode, needed in REQUIRED_PLACEHOLDERS.items():
        template = data.get(mode)
        if template:
            _check_template(mode, template, needed)
    return PromptTemplates(
        transcript=data.get("transcript") or None,
        audio=data.get("audio") or None,
        client_name=(data.get("client_name") or "").strip() or None,
        version=(data.get("version") or "").strip() or None,
    )


def _check_template(mode: str, template: str, needed: Iterable[str]) -> None:
    if len(template) > MAX_TEMPLATE_CHARS:
        raise InvalidConfigError(
            f"the {mode} template is {len(template)} characters; at most {MAX_TEMPLATE_CHARS}"
        )
    found = prompts.placeholders_in(template)
    unknown = prompts.unknown_placeholders(template)
    if unknown:
        names = ", ".join(f"{{{n}}}" for n in unknown)
        allowed = ", ".join(f"{{{n}}}" for n in prompts.PLACEHOLDERS)
        raise InvalidConfigError(
            f"the {mode} template has unknown placeholders {names}; use {allowed}"
        )
    for name in needed:
        if name not in found:
            raise InvalidConfigError(f"the {mode} template must contain {{{name}}}")
    for name in prompts.PLACEHOLDERS:
        if found.count(name) > 1:
            raise InvalidConfigError(
                f"the {mode} template uses {{{name}}} {found.count(name)} times; use it once"
            )


def _evidence_part(config_type: str, data: Any) -> Any:
    try:
        return parse_keywords(data) if config_type == "keywords" else parse_compliance(data)
    except EvidenceConfigError as error:
        raise InvalidConfigError(str(error)) from None


def _parsed(config_type: str, data: Any) -> Any:
    """The typed value of already-validated data."""
    if config_type in LIST_TYPES:
        return _string_list(config_type, data)
    if config_type == "analysis_mode":
        return _mode(data)
    if config_type in EVIDENCE_TYPES:
        return _evidence_part(config_type, data)
    return _prompt(data)


# --- Sources: defaults, the file, the database --------------------------------------------------


@cache
def default_config_data() -> Mapping[str, Any]:
    """The spec's `call_analysis_config.json`, as shipped in the package (read once)."""
    text = (
        resources.files("angel_intelligence")
        .joinpath("data/call_analysis_config.json")
        .read_text(encoding="utf-8")
    )
    data = json.loads(text)
    return MappingProxyType({key: validate_config_data(key, value) for key, value in data.items()})


def load_config_file(path: Path) -> dict[str, Any]:
    """Read and validate a `call_analysis_config.json`-style file (any subset of the types).

    Raises ConfigurationError naming CALL_ANALYSIS_CONFIG_PATH, so a bad file stops the
    service at start instead of failing calls one by one.
    """
    where = f"CALL_ANALYSIS_CONFIG_PATH={path}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"{where}: the file does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigurationError(f"{where}: cannot read it as JSON ({error})") from None
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"{where}: must be a JSON object with keys {', '.join(CONFIG_TYPES)}"
        )
    unknown = sorted(set(data) - set(CONFIG_TYPES))
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown keys {unknown}; allowed: {', '.join(CONFIG_TYPES)}"
        )
    try:
        return {key: validate_config_data(key, value) for key, value in data.items()}
    except InvalidConfigError as error:
        raise ConfigurationError(f"{where}: {error}") from None


def resolve_config(
    client_ref: str | None,
    rows: Sequence[StoredClientConfig],
    *,
    file_config: Mapping[str, Any] | None = None,
    default_mode: AnalysisMode = AnalysisMode.TRANSCRIPT,
) -> ResolvedConfig:
    """Pick each type from the client row, the global row, the file, then the defaults.

    Inactive rows and other clients' rows are ignored. A chosen row whose `config_data` is
    invalid raises InvalidAnalysisConfigError (code ANALYSIS_FAILED) naming the row, rather
    than silently analysing with a config nobody chose.
    """
    chosen: dict[str, tuple[ConfigSource, Any, int | None]] = {}
    for config_type in CONFIG_TYPES:
        client_row = _row(rows, client_ref, config_type) if client_ref is not None else None
        global_row = _row(rows, None, config_type)
        if client_row is not None:
            chosen[config_type] = (ConfigSource.CLIENT, _row_value(client_row), client_row.id)
        elif global_row is not None:
            chosen[config_type] = (ConfigSource.GLOBAL, _row_value(global_row), global_row.id)
        elif file_config is not None and config_type in file_config:
            chosen[config_type] = (
                ConfigSource.FILE,
                _parsed(config_type, file_config[config_type]),
                None,
            )
        elif config_type == "analysis_mode":
            chosen[config_type] = (ConfigSource.SETTINGS, default_mode, None)
        elif config_type == "prompt":
            chosen[config_type] = (ConfigSource.DEFAULT, None, None)
        elif config_type == "keywords":
            chosen[config_type] = (ConfigSource.DEFAULT, MappingProxyType({}), None)
        elif config_type == "compliance":
            chosen[config_type] = (ConfigSource.DEFAULT, ComplianceOptions(), None)
        else:
            value = _parsed(config_type, default_config_data()[config_type])
            chosen[config_type] = (ConfigSource.DEFAULT, value, None)
    return ResolvedConfig(
        topics=chosen["topics"][1],
        agent_actions=chosen["agent_actions"][1],
        performance_rubric=chosen["performance_rubric"][1],
        analysis_mode=chosen["analysis_mode"][1],
        prompt=chosen["prompt"][1],
        keywords=chosen["keywords"][1],
        compliance=chosen["compliance"][1],
        client_ref=client_ref,
        sources=MappingProxyType({key: value[0] for key, value in chosen.items()}),
        row_ids=MappingProxyType(
            {key: value[2] for key, value in chosen.items() if value[2] is not None}
        ),
    )


def _row(
    rows: Sequence[StoredClientConfig], client_ref: str | None, config_type: str
) -> StoredClientConfig | None:
    for row in rows:
        if row.is_active and row.client_ref == client_ref and row.config_type == config_type:
            return row
    return None


def _row_value(row: StoredClientConfig) -> Any:
    try:
        return _parsed(row.config_type, row.config_data)
    except InvalidConfigError as error:
        scope = f"client {row.client_ref!r}" if row.client_ref is not None else "the global config"
        raise InvalidAnalysisConfigError(
            f"ai_client_configs row {row.id} ({scope}, {row.config_type}) is invalid: {error}"
        ) from None


@dataclass(frozen=True, slots=True)
class ClientConfigOptions:
    """The analysis section's CALL_ANALYSIS_CONFIG_PATH and ANALYSIS_MODE."""

    file_path: Path | None = None
    default_mode: AnalysisMode = AnalysisMode.TRANSCRIPT


class ClientConfigResolver:
    """Resolves a call's config from the database, the config file and the defaults.

    The file is read and validated once, when the resolver is built; the database is read on
    every call, so a config saved through the API applies to the next call analysed.
    """

    def __init__(
        self,
        store: ClientConfigStore | None,
        *,
        file_config: Mapping[str, Any] | None = None,
        default_mode: AnalysisMode = AnalysisMode.TRANSCRIPT,
    ) -> None:
        self._store = store
        self._file_config = file_config
        self._default_mode = default_mode

    @classmethod
    def from_options(
        cls, options: ClientConfigOptions, store: ClientConfigStore | None
    ) -> ClientConfigResolver:
        """A resolver on `store` (None: only the file and the defaults) and the config file."""
        path = options.file_path
        return cls(
            store,
            file_config=load_config_file(path) if path is not None else None,
            default_mode=options.default_mode,
        )

    def resolve(
        self, client_ref: str | None, *, ignore_types: Collection[str] = ()
    ) -> ResolvedConfig:
        """The config for `client_ref`'s next call; rows of `ignore_types` are passed over
        (the API's prompt check replaces the prompt, so a broken stored one must not stop it)."""
        rows = self._store.active(client_ref) if self._store is not None else []
        rows = [row for row in rows if row.config_type not in ignore_types]
        return resolve_config(
            client_ref, rows, file_config=self._file_config, default_mode=self._default_mode
        )
