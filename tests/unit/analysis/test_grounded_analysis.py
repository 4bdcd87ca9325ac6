"""The model judges and writes from the evidence; each check after it is proven by a test model
that breaks it (issue 16). The test models implement the `LanguageModel` port and exist only
here: they return the replies a test scripts, whatever the schema says."""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from analysis_samples import VALID_REPLY, sample_transcript, small_config
from angel_intelligence import bootstrap
from angel_intelligence.analysis import grounding
from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.domain.analysis import ActionItem, CallAnalysis, KeyTopic
from angel_intelligence.settings import load_settings

CALL_DATE = dt.date(2025, 1, 17)
SUMMARY = "The supporter set up a monthly donation of ten pounds. They agreed to add Gift Aid."


class ScriptedModel:
    """A `LanguageModel` that replies with the given texts in turn (the last one repeated)."""

    def __init__(self, *replies: dict[str, Any] | str) -> None:
        self.replies = [r if isinstance(r, str) else json.dumps(r) for r in replies]
        self.asked: list[list[dict[str, Any]]] = []
        self.schemas: list[dict[str, Any] | None] = []

    model_name = "scripted-test-model"
    model_version = "test"
    supports_audio = False

    def load(self) -> None:
        return None

    def generate(
        self,
        messages: list[dict[str, Any]],
        *,
        json_schema: dict[str, Any] | None = None,
        max_new_tokens: int = 512,
        audio_path: Path | None = None,
        temperature: float = 0.0,
        seed: int | None = None,
    ) -> str:
        self.asked.append(messages)
        self.schemas.append(json_schema)
        return self.replies[min(len(self.asked), len(self.replies)) - 1]


def reply(**changes: Any) -> dict[str, Any]:
    made = copy.deepcopy(VALID_REPLY)
    made["summary"] = SUMMARY
    made.update(changes)
    return made


def analyse(model: ScriptedModel, reprompts: int = 1) -> CallAnalysis:
    analyser = CallAnalyser(model, max_reprompts=reprompts, grounded=True)
    return analyser.analyse(sample_transcript(), small_config(), call_date=CALL_DATE)


def test_a_good_reply_is_saved_with_times_sentiment_items_and_flags_from_the_evidence() -> None:
    model = ScriptedModel(reply())
    analysis = analyse(model)
    saved = analysis.to_json()
    assert saved["summary"] == SUMMARY
    assert saved["audio_analysis"]["analysis_source"] == "model"
    topics = {t["name"]: t for t in saved["key_topics"]}
    assert topics["Regular giving signup"]["timestamp_start"] == 5.0  # the supporter's turn
    assert topics["Gift Aid explanation/enrolment"]["timestamp_start"] == 9.5
    actions = {a["action"]: a for a in saved["agent_actions_performed"]}
    assert actions["Verified supporter identity"]["timestamp_start"] == 9.5
    assert actions["Greeted supporter"]["quality"] == 5  # the model's judgement
    # the model's action item (due 2026-01-20) and its invented flag are not saved
    assert saved["action_items"] == []
    assert [f["type"] for f in saved["compliance_flags"]] == ["gift_aid_declaration_incomplete"]
    assert saved["sentiment_label"] != "" and saved["sentiment_score"] != 6.5
    assert saved["quality_score"] == 80.0  # (8 + 9 + 7) / 3 × 10
    # the prompt carried the candidates with their turns; the schema only candidates and none
    prompt = model.asked[0][-1]["content"]
    assert "Topic candidates" in prompt and "[5.0s] Supporter:" in prompt
    schema = model.schemas[0]
    assert schema is not None
    names = schema["properties"]["key_topics"]["items"]["properties"]["name"]["enum"]
    assert names == ["Regular giving signup", "Gift Aid explanation/enrolment", "none"]
    assert schema["properties"]["action_items"]["maxItems"] == 0


def test_a_repeated_summary_is_re_prompted_with_the_reason() -> None:
    repeated = "The supporter set up a monthly donation. The supporter set up a monthly donation."
    model = ScriptedModel(reply(summary=repeated), reply())
    analysis = analyse(model)
    assert "repeats a sentence" in model.asked[1][-1]["content"]
    assert analysis.summary == SUMMARY
    assert analysis.audio_analysis["attempts"] == 2


def test_an_invented_number_is_never_saved_the_evidence_is() -> None:
    invented = "The supporter gave £500 to the appeal. They agreed to add Gift Aid."
    model = ScriptedModel(reply(summary=invented))
    analysis = analyse(model)
    assert "500" in model.asked[1][-1]["content"]  # the reason, in the re-prompt
    assert analysis.audio_analysis["analysis_source"] == "evidence"
    assert "500" in analysis.audio_analysis["analysis_source_reason"]
    assert "500" not in analysis.summary
    assert analysis.audio_analysis["summary_source"] == "extractive"
    assert dict(analysis.performance_scores) == {}  # nothing measured them
    assert analysis.quality_score is None


def test_a_summary_cut_mid_word_or_naming_a_stranger_is_refused() -> None:
    for bad, reason in [
        ("The supporter set up a monthly donation. The new system will be availab", "complete"),
        ("The supporter set up a monthly donation. Mr Jenkins agreed to add Gift Aid.", "Jenkins"),
        ("The supporter set up a monthly donation on Tuesday. Gift Aid was added.", "Tuesday"),
        ("The supporter set up a monthly donation.", "2 to 4 sentences"),
    ]:
        model = ScriptedModel(reply(summary=bad))
        analysis = analyse(model, reprompts=0)
        assert analysis.audio_analysis["analysis_source"] == "evidence", bad
        assert reason in analysis.audio_analysis["analysis_source_reason"], bad


def test_a_topic_with_no_evidence_is_refused() -> None:
    stray = reply()
    stray["key_topics"] = [{
        "name": "Address update/change of details", "confidence": 0.9,
        "timestamp_start": 0, "timestamp_end": 0,
    }]  # fmt: skip
    model = ScriptedModel(stray, reply())
    analysis = analyse(model)
    assert "Address update/change of details" in model.asked[1][-1]["content"]
    assert [t.name for t in analysis.key_topics] == [
        "Regular giving signup", "Gift Aid explanation/enrolment",
    ]  # fmt: skip


def test_a_timestamp_outside_the_call_is_refused_and_one_inside_is_replaced() -> None:
    outside = reply()
    outside["key_topics"][0]["timestamp_start"] = 9999.0
    model = ScriptedModel(outside, reply())
    analysis = analyse(model)
    assert "9999" in model.asked[1][-1]["content"]
    assert analysis.key_topics[0].timestamp_start == 5.0


def test_a_due_date_before_the_call_is_never_saved() -> None:
    past = reply()
    past["action_items"] = [{"description": "Call the supporter back.", "priority": "high",
                             "due_date": "1234-12-30"}]  # fmt: skip
    analysis = analyse(ScriptedModel(past))
    assert all(i.due_date is None or i.due_date >= CALL_DATE for i in analysis.action_items)
    assert "1234" not in json.dumps(analysis.to_json())


def test_a_reply_that_never_parses_falls_back_to_the_evidence() -> None:
    analysis = analyse(ScriptedModel("not json at all"))
    assert analysis.audio_analysis["analysis_source"] == "evidence"
    assert [t.name for t in analysis.key_topics] == [
        "Regular giving signup", "Gift Aid explanation/enrolment",
    ]  # fmt: skip
    assert analysis.audio_analysis["summary_source"] == "extractive"
    assert_quotes_the_call(analysis.summary)


def assert_quotes_the_call(summary: str) -> None:
    """2–4 sentences, each a sentence said in the call, quoted with who said it."""
    said = grounding.sentences(summary)
    assert 2 <= len(said) <= 4
    turns = {s.text for s in sample_transcript().segments}
    for sentence in said:
        assert sentence.startswith(("The supporter said “", "The supporter asked “",
                                    "The agent said “", "The agent asked “"))  # fmt: skip
        quoted = sentence.split("“", 1)[1].rsplit("”", 1)[0]
        assert any(quoted in turn for turn in turns), quoted
    text = " ".join(turns)
    assert grounding.summary_problems(summary, text) == []


def test_the_templated_summary_is_a_choice_and_the_fallback_of_the_extractive_one() -> None:
    analyser = CallAnalyser(ScriptedModel("not json"), grounded=True, max_reprompts=0,
                            summary_style="templated")  # fmt: skip
    analysis = analyser.analyse(sample_transcript(), small_config(), call_date=CALL_DATE)
    assert analysis.audio_analysis["summary_source"] == "templated"
    assert any(s.startswith("The supporter's sentiment was") for s in
               grounding.sentences(analysis.summary))  # fmt: skip
    # a call with fewer than two sentences worth quoting gets the template, marked so
    short = replace(sample_transcript(), segments=sample_transcript().segments[:1])
    evidence = analyser.evidence(short, small_config(), CALL_DATE)
    summary, source = grounding.evidence_summary(evidence, "extractive")
    assert source == "templated" and summary == grounding.templated_summary(evidence)


@pytest.mark.parametrize("style", ["templated", "extractive"])
def test_analysis_summary_style_chooses_the_summary_written_without_the_model(
    monkeypatch: pytest.MonkeyPatch, style: str
) -> None:
    monkeypatch.setenv("ANALYSIS_SUMMARY_STYLE", style)
    settings = load_settings(_env_file=None, use_mock_models=True)
    analyser = bootstrap.build_analyser(settings, ScriptedModel("not json"))
    analysis = analyser.analyse(sample_transcript(), small_config(), call_date=CALL_DATE)
    assert analysis.audio_analysis["summary_source"] == style


def test_the_checks_catch_times_outside_the_call_and_dates_before_it() -> None:
    analyser = CallAnalyser(ScriptedModel(reply()), grounded=True)
    evidence = analyser.evidence(sample_transcript(), small_config(), CALL_DATE)
    parts = dict(grounding.fallback_parts(evidence), summary=SUMMARY)
    assert grounding.check(parts, evidence, sample_transcript()) == []
    late = dict(parts, key_topics=(KeyTopic("Regular giving signup", 0.9, 5.0, 99.0),))
    assert "outside the call" in grounding.check(late, evidence, sample_transcript())[0]
    old = dict(parts, action_items=(ActionItem("Post a letter.", "low", dt.date(2024, 1, 1)),))
    assert "before the call" in grounding.check(old, evidence, sample_transcript())[0]


def test_a_model_that_does_not_write_the_summary_gets_the_evidence_s() -> None:
    fixed = reply(summary=grounding.TEMPLATED_SUMMARY)
    model = ScriptedModel(fixed)
    analyser = CallAnalyser(model, grounded=True, model_summary=False)
    analysis = analyser.analyse(sample_transcript(), small_config(), call_date=CALL_DATE)
    schema = model.schemas[0]
    assert schema is not None
    assert schema["properties"]["summary"] == {
        "type": "string", "enum": [grounding.TEMPLATED_SUMMARY],
    }  # fmt: skip
    assert analysis.audio_analysis["analysis_source"] == "model"  # it chose and scored
    assert analysis.audio_analysis["summary_source"] == "extractive"
    assert_quotes_the_call(analysis.summary)
    assert dict(analysis.performance_scores) == VALID_REPLY["performance_scores"]


def test_in_compact_mode_the_evidence_keeps_what_keywords_found() -> None:
    shy = reply(summary=grounding.TEMPLATED_SUMMARY)
    shy["key_topics"] = [{"name": "none", "confidence": 0.5, "timestamp_start": 0,
                          "timestamp_end": 0}]  # fmt: skip
    shy["agent_actions_performed"] = [
        {"action": "Greeted supporter", "timestamp_start": 0, "quality": 4}
    ]
    analyser = CallAnalyser(ScriptedModel(shy), grounded=True, model_summary=False)
    analysis = analyser.analyse(sample_transcript(), small_config(), call_date=CALL_DATE)
    assert [t.name for t in analysis.key_topics] == [
        "Regular giving signup", "Gift Aid explanation/enrolment",
    ]  # fmt: skip
    qualities = {a.action: a.quality for a in analysis.agent_actions_performed}
    assert qualities == {"Greeted supporter": 4, "Verified supporter identity": 3}
    assert analysis.audio_analysis["unrated_actions"] == ["Verified supporter identity"]
    # a model that writes its own summary judges every candidate itself
    writer = CallAnalyser(ScriptedModel(dict(shy, summary=SUMMARY)), grounded=True)
    judged = writer.analyse(sample_transcript(), small_config(), call_date=CALL_DATE)
    assert judged.key_topics == () and [a.action for a in judged.agent_actions_performed] == [
        "Greeted supporter"
    ]
