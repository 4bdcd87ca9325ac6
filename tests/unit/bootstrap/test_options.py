"""Settings → options: every setting belongs to one section, and every setting is honoured by
some code or warned about at start (never silently ignored)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from angel_intelligence.bootstrap import options as opts
from angel_intelligence.settings import SECTIONS, Settings

SRC = Path(opts.__file__).resolve().parents[1]

# Read by an edge itself rather than turned into options (the command line binds the API and
# serves the worker's metrics; the composition root decides whether the SQLite file exists).
READ_BY_EDGES = {
    "api_host": "cli/api_cmd.py",
    "api_port": "cli/api_cmd.py",
    "api_shutdown_grace_seconds": "cli/api_cmd.py",
    "api_prompt_check": "bootstrap/__init__.py",
    "ai_db_sqlite_path": "bootstrap/__init__.py",
    "worker_metrics_port": "cli/worker_cmd.py",
    "pii_min_confidence": "bootstrap/__init__.py",
}


class Recorder:
    """A stand-in for `Settings` that remembers which settings were read, including those read
    by its properties and URL methods."""

    def __init__(self, real: Settings) -> None:
        self._real = real
        self.read: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(type(self._real), name, None)
        if isinstance(attr, property):
            return attr.fget(self)  # type: ignore[misc]
        if name in ("database_url", "masked_database_url"):
            return lambda: attr(self)  # type: ignore[misc]
        self.read.add(name)
        return getattr(self._real, name)


def builders() -> list[Callable[[Any], Any]]:
    found = []
    for name, function in inspect.getmembers(opts, inspect.isfunction):
        if function.__module__ != opts.__name__ or name.startswith("_") or name == "unhonoured":
            continue
        found.append(function)
    return found


def test_every_setting_is_in_exactly_one_section() -> None:
    listed = [name for names in SECTIONS.values() for name in names]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(Settings.model_fields)


def test_every_setting_is_honoured_or_warned_about() -> None:
    read: set[str] = set()
    for settings in (Settings(_env_file=None), Settings(_env_file=None, ai_db_host="db")):
        recorder = Recorder(settings)
        for build in builders():
            if "purpose" in inspect.signature(build).parameters:
                build(recorder, "analysis")  # type: ignore[call-arg]
                build(recorder, "chat")  # type: ignore[call-arg]
            else:
                build(recorder)
        read |= recorder.read
    for name, module in READ_BY_EDGES.items():
        assert re.search(rf"settings\.{name}\b", (SRC / module).read_text()), (name, module)
    honoured = read | set(READ_BY_EDGES) | {"models_base_path"}  # the next test
    silent = set(Settings.model_fields) - honoured - set(opts.NOT_YET_HONOURED)
    assert not silent, f"read by no code and not warned about: {sorted(silent)}"


def test_the_model_paths_follow_models_base_path(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, models_base_path=tmp_path)
    assert settings.whisper_model_path == tmp_path / "whisper" / "current"
    assert settings.analysis_model_path == tmp_path / "analysis" / "current"
    assert settings.model_cache_path == tmp_path / "cache"


def test_defaults_raise_no_warning() -> None:
    assert opts.unhonoured(Settings(_env_file=None)) == []


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"model_versions_path": "/srv/elsewhere"}, "MODEL_VERSIONS_PATH"),
    ],
)
def test_when_a_setting_asks_for_what_is_not_built_then_start_up_says_so(
    given: dict[str, Any], named: str
) -> None:
    lines = opts.unhonoured(Settings(_env_file=None, **given))
    assert len(lines) == 1 and lines[0].startswith(f"{named} is set but ")


def test_production_warns_neither_of_hot_reload_nor_of_quantization_both_honoured() -> None:
    settings = Settings(
        _env_file=None, angel_env="production", api_auth_token="t" * 64, ai_db_host="db"
    )
    named = {line.split()[0] for line in opts.unhonoured(settings)}
    assert "ANALYSIS_MODEL_QUANTIZATION" not in named and "CHAT_MODEL_QUANTIZATION" not in named
    assert "ENABLE_MODEL_HOT_RELOAD" not in named  # built (issue 18): production turns it on


def test_each_models_quantization_reaches_its_options() -> None:
    settings = Settings(
        _env_file=None, analysis_model_quantization="none", chat_model_quantization="int4"
    )
    assert opts.language_model_options(settings, "analysis").quantization == "none"
    assert opts.language_model_options(settings, "chat").quantization == "int4"


def test_an_unknown_quantization_is_refused_with_the_values_that_work() -> None:
    with pytest.raises(ValueError, match=r"int8.*int4.*none"):
        Settings(_env_file=None, analysis_model_quantization="int3")


def test_options_carry_the_settings_values() -> None:
    settings = Settings(_env_file=None, whisper_beam_size=2, lease_seconds=90, heartbeat_seconds=20)
    assert opts.speech_options(settings).whisper.beam_size == 2
    assert opts.worker_config(settings).lease_s == opts.queue_options(settings).lease_s == 90


@pytest.mark.parametrize(
    ("whisper_model", "use_mock_models", "follows"),
    [
        ("openai/whisper-medium", False, True),  # production: loaded from WHISPER_MODEL_PATH
        ("tiny.en", False, True),
        ("bundled:tiny.en", False, False),  # pinned to the bundled model
        ("/opt/whisper-medium-ct2", False, False),  # pinned to a directory
        ("openai/whisper-medium", True, False),  # the mock transcriber loads nothing
    ],
)
def test_whisper_is_hot_reloaded_only_when_it_is_loaded_from_the_registry(
    make_settings: Callable[..., Settings], whisper_model: str, use_mock_models: bool, follows: bool
) -> None:
    from angel_intelligence.bootstrap import follows_registry

    settings = make_settings(whisper_model=whisper_model, use_mock_models=use_mock_models)
    assert follows_registry(opts.speech_options(settings)) is follows
