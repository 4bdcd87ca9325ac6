"""Config validation per type, and resolution order (client, global, file, defaults)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from angel_intelligence.analysis.client_config import (
    ConfigSource,
    InvalidConfigError,
    default_config_data,
    load_config_file,
    resolve_config,
    validate_config_data,
)
from angel_intelligence.analysis.evidence import RULES
from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.domain.client_config import StoredClientConfig
from angel_intelligence.errors import ConfigurationError, InvalidAnalysisConfigError

GOOD_TEMPLATE = "Config: {config}\n<transcript>\n{transcript}\n</transcript>\nFor {client_name}."


def test_the_shipped_defaults_are_the_specs_config() -> None:
    defaults = default_config_data()
    assert len(defaults["topics"]) == 40
    assert len(defaults["agent_actions"]) == 33
    assert len(defaults["performance_rubric"]) == 15
    assert defaults["topics"][0] == "One-off donation request"
    assert (
        "Explained charity mission/programs" in defaults["agent_actions"]
    )  # spelt as the spec does


@pytest.mark.parametrize(
    ("config_type", "data", "expected"),
    [
        ("topics", ["A", " B "], ["A", "B"]),
        ("topics", {"topics": ["A"]}, ["A"]),
        ("agent_actions", ["Greeted supporter"], ["Greeted supporter"]),
        (
            "performance_rubric",
            ["Tone control", "Problem solving"],
            ["Tone control", "Problem solving"],
        ),
        ("analysis_mode", {"mode": "audio"}, {"mode": "audio"}),
        ("analysis_mode", {"mode": "transcript"}, {"mode": "transcript"}),
        ("prompt", GOOD_TEMPLATE, {"transcript": GOOD_TEMPLATE}),
        (
            "prompt",
            {"audio": "Listen. {config}", "version": " 3 "},
            {"audio": "Listen. {config}", "version": "3"},
        ),
        (
            "prompt",
            {
                "transcript": "{call_analysis_config_json} {full_transcript}",
                "client_name": "Hope Trust",
            },
            {
                "transcript": "{call_analysis_config_json} {full_transcript}",
                "client_name": "Hope Trust",
            },
        ),
        # braces that are not placeholders (a JSON example) are fine
        ("prompt", {"transcript": 'Reply like {"summary": "..."}. {config} {transcript}'}, None),
        ("keywords", {" Gift Aid ": [" tax back ", "tax back"]}, {"Gift Aid": ["tax back"]}),
        ("keywords", {"Legacy giving": "in my will"}, {"Legacy giving": ["in my will"]}),
        ("compliance", {"rules": ["card_read_back"]}, {"rules": ["card_read_back"]}),
        ("compliance", {}, {}),
        (
            "compliance",
            {"gift_aid_wording": [["uk tax ?payer"], "pay any difference"]},
            {"gift_aid_wording": [["uk tax ?payer"], ["pay any difference"]]},
        ),
        (
            "compliance",
            {"disabled_rules": ["vulnerability_not_acknowledged"], "vulnerability_cues": ["frail"]},
            {"disabled_rules": ["vulnerability_not_acknowledged"], "vulnerability_cues": ["frail"]},
        ),
    ],
)
def test_when_config_data_is_valid_then_it_is_normalised(
    config_type: str, data: Any, expected: Any
) -> None:
    result = validate_config_data(config_type, data)
    if expected is not None:
        assert result == expected


@pytest.mark.parametrize(
    ("config_type", "data", "message"),
    [
        ("topics", [], "must not be empty"),
        ("topics", "A, B", "JSON list of strings"),
        ("topics", ["A", "a"], "duplicates item 0"),
        ("topics", ["A", 3], "topics[1] must be a string"),
        ("topics", ["A", "  "], "topics[1] is blank"),
        ("topics", ["x" * 201], "at most 200"),
        ("topics", ["line\nbreak"], "control characters"),
        ("agent_actions", [], "must not be empty"),
        ("performance_rubric", ["Tone", "Tone"], "duplicates"),
        ("analysis_mode", "audio", '{"mode": "audio"}'),
        ("analysis_mode", {"mode": "video"}, "not 'video'"),
        ("analysis_mode", {"mode": "audio", "x": 1}, '{"mode": "audio"}'),
        ("prompt", {}, "needs a 'transcript' or an 'audio' template"),
        ("prompt", {"transcript": "Analyse {transcript}"}, "must contain {config}"),
        ("prompt", {"transcript": "Analyse {config}"}, "must contain {transcript}"),
        ("prompt", {"audio": "Listen carefully."}, "must contain {config}"),
        ("prompt", {"transcript": "{config} {transcrpt}"}, "unknown placeholders {transcrpt}"),
        ("prompt", {"transcript": "{config} {transcript} {transcript}"}, "use it once"),
        ("prompt", {"template": "{config} {transcript}"}, "unknown keys ['template']"),
        ("prompt", {"transcript": 42}, "must be a string"),
        ("colours", ["red"], "unknown config_type 'colours'"),
        ("keywords", ["tax back"], "keywords must be a JSON object"),
        ("keywords", {}, "keywords must be a JSON object"),
        ("keywords", {"Gift Aid": []}, "keywords['Gift Aid'] must be a non-empty list"),
        ("keywords", {"Gift Aid": [3]}, "keywords['Gift Aid'][0] must be a string"),
        ("keywords", {"Gift Aid": ["tax (back"]}, "keywords['Gift Aid'][0] 'tax (back' is not"),
        ("keywords", {"Gift Aid": ["(tax)?"]}, "matches an empty text"),
        ("keywords", {"Gift Aid": ["a{4294967296}"]}, "is not a valid regular expression"),
        ("keywords", {"Gift Aid": ["a"], "gift aid": ["b"]}, "duplicates keywords['Gift Aid']"),
        ("keywords", {"  ": ["a"]}, "blank item name"),
        ("compliance", ["card_read_back"], "compliance must be a JSON object"),
        ("compliance", {"rule": ["card_read_back"]}, "unknown keys ['rule']"),
        ("compliance", {"rules": ["card_readback"]}, "compliance.rules has unknown rules"),
        ("compliance", {"rules": "card_read_back"}, "compliance.rules must be a list"),
        ("compliance", {"rules": [], "disabled_rules": []}, "not both"),
        ("compliance", {"disabled_rules": ["x"]}, "compliance.disabled_rules has unknown rules"),
        ("compliance", {"gift_aid_wording": []}, "compliance.gift_aid_wording must be"),
        ("compliance", {"gift_aid_wording": [["ok"], ["bad["]]}, "gift_aid_wording[1][0]"),
        ("compliance", {"data_protection_phrases": [""]}, "data_protection_phrases[0] is blank"),
        ("compliance", {"vulnerability_cues": "x*"}, "vulnerability_cues[0] 'x*' matches"),
    ],
)
def test_when_config_data_is_invalid_then_the_error_says_why(
    config_type: str, data: Any, message: str
) -> None:
    with pytest.raises(InvalidConfigError) as raised:
        validate_config_data(config_type, data)
    assert message in str(raised.value)


def row(
    row_id: int, client_ref: str | None, config_type: str, data: Any, active: bool = True
) -> StoredClientConfig:
    return StoredClientConfig(row_id, client_ref, config_type, data, active)


def test_with_nothing_configured_the_defaults_and_the_mode_setting_apply() -> None:
    resolved = resolve_config("ACME001", [], default_mode=AnalysisMode.AUDIO)
    assert resolved.topics == tuple(default_config_data()["topics"])
    assert resolved.analysis_mode is AnalysisMode.AUDIO
    assert resolved.prompt is None
    assert resolved.describe_sources() == {
        "topics": "default",
        "agent_actions": "default",
        "performance_rubric": "default",
        "prompt": "default",
        "analysis_mode": "settings",
        "keywords": "default",
        "compliance": "default",
    }
    assert resolved.evidence_options().keywords == {}
    assert resolved.compliance.rules == frozenset(RULES)


def test_a_client_s_keywords_and_compliance_reach_the_evidence_options() -> None:
    rows = [
        row(1, "ACME001", "keywords", {"winter appeal": ["warm(er)? homes"], "Unknown": ["x"]}),
        row(2, "ACME001", "topics", ["Winter appeal", "Gift Aid explanation/enrolment"]),
        row(
            3, None, "compliance", {"rules": ["card_read_back"], "data_protection_phrases": ["dp"]}
        ),
        row(4, "ACME001", "compliance", {"disabled_rules": ["card_read_back"]}),
    ]
    acme = resolve_config("ACME001", rows).evidence_options()
    assert dict(acme.keywords) == {"Winter appeal": ("warm(er)? homes",)}  # matched ignoring case
    assert "Winter appeal" in acme.keywords_for(["Winter appeal"])
    assert acme.compliance.rules == frozenset(RULES) - {"card_read_back"}  # the client's row wins
    other = resolve_config("OTHER", rows)
    assert other.compliance.rules == frozenset({"card_read_back"})
    assert other.compliance.data_protection_phrases == ("dp",)
    assert other.describe_sources()["compliance"] == "global:3"
    assert other.evidence_options().keywords == {}


def test_precedence_is_client_then_global_then_file_then_defaults() -> None:
    rows = [
        row(1, "ACME001", "topics", ["Client topic"]),
        row(2, None, "topics", ["Global topic"]),
        row(3, None, "agent_actions", ["Global action"]),
        row(4, "OTHER", "performance_rubric", ["Other client's rubric"]),
        row(5, "ACME001", "analysis_mode", {"mode": "audio"}),
    ]
    file_config = {
        "topics": ["File topic"],
        "agent_actions": ["File action"],
        "performance_rubric": ["File rubric"],
    }
    resolved = resolve_config("ACME001", rows, file_config=file_config)
    assert resolved.topics == ("Client topic",)
    assert resolved.agent_actions == ("Global action",)
    assert resolved.performance_rubric == ("File rubric",)
    assert resolved.analysis_mode is AnalysisMode.AUDIO
    assert resolved.sources["topics"] is ConfigSource.CLIENT
    assert resolved.describe_sources()["topics"] == "client:1"
    assert resolved.describe_sources()["agent_actions"] == "global:3"
    assert resolved.describe_sources()["performance_rubric"] == "file"


def test_inactive_rows_are_ignored() -> None:
    rows = [
        row(1, "ACME001", "topics", ["Client topic"], active=False),
        row(2, None, "topics", ["Global"], active=False),
    ]
    assert resolve_config("ACME001", rows).topics == tuple(default_config_data()["topics"])


def test_a_call_without_a_client_uses_the_global_rows_only() -> None:
    rows = [row(1, "ACME001", "topics", ["Client topic"]), row(2, None, "topics", ["Global topic"])]
    assert resolve_config(None, rows).topics == ("Global topic",)


def test_an_invalid_stored_row_fails_the_call_naming_the_row() -> None:
    rows = [row(7, "ACME001", "topics", [])]
    with pytest.raises(InvalidAnalysisConfigError) as raised:
        resolve_config("ACME001", rows)
    assert raised.value.code == "ANALYSIS_FAILED"
    assert "row 7" in str(raised.value) and "ACME001" in str(raised.value)


def test_a_custom_prompt_resolves_with_its_templates() -> None:
    rows = [row(9, None, "prompt", {"transcript": GOOD_TEMPLATE, "client_name": "Hope Trust"})]
    resolved = resolve_config("ACME001", rows)
    assert resolved.prompt is not None
    assert resolved.prompt.for_mode(AnalysisMode.TRANSCRIPT) == GOOD_TEMPLATE
    assert resolved.prompt.for_mode(AnalysisMode.AUDIO) is None
    assert resolved.describe_sources()["prompt"] == "global:9"


def test_the_config_file_is_validated_when_loaded(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"topics": ["Only topic"], "analysis_mode": {"mode": "audio"}}))
    assert load_config_file(good) == {"topics": ["Only topic"], "analysis_mode": {"mode": "audio"}}
    for content, message in [
        ("{not json", "cannot read it as JSON"),
        (json.dumps({"topic": ["typo"]}), "unknown keys ['topic']"),
        (json.dumps({"topics": []}), "topics must not be empty"),
        (json.dumps(["A"]), "must be a JSON object"),
        (json.dumps({"compliance": {"rules": ["nope"]}}), "compliance.rules has unknown rules"),
    ]:
        bad = tmp_path / "bad.json"
        bad.write_text(content)
        with pytest.raises(ConfigurationError) as raised:
            load_config_file(bad)
        assert "CALL_ANALYSIS_CONFIG_PATH" in str(raised.value) and message in str(raised.value)
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_config_file(tmp_path / "missing.json")
    evidence = tmp_path / "evidence.json"
    evidence.write_text(json.dumps({"keywords": {"Winter appeal": ["warm homes"]},
                                    "compliance": {"rules": ["card_read_back"]}}))  # fmt: skip
    resolved = resolve_config("ACME001", [], file_config=load_config_file(evidence))
    assert resolved.describe_sources()["keywords"] == "file"
    assert resolved.compliance.rules == frozenset({"card_read_back"})


def test_the_prose_pattern_accepts_what_validation_accepts_and_nothing_else() -> None:
    import re

    from angel_intelligence.analysis.schema import PROSE_PATTERN

    prose = re.compile(PROSE_PATTERN)
    for good in ("The supporter increased their gift.", "Call back on Monday", "ok we did it"):
        assert prose.search(good), good
    for bad in ("{summary}", "Thanks <b>very</b> much", "Two words", "a b c d", "{x} y z w"):
        assert not prose.search(bad), bad
