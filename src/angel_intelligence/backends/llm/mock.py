"""The spec's mock mode (`USE_MOCK_MODELS=true`): deterministic, realistic replies, no model.

For API and load tests without models. The analysis reply follows the spec's MOCK_ANALYSIS
("The supporter enquired about regular giving options...", sentiment 5.5) and is built from the
schema it is asked for, so its topics, actions and rubric keys are always the client's own and
it passes the same validation as a real model's reply. Same input, same output.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

MOCK_MODEL_NAME = "mock"
# No proper noun, number or date: a grounded analysis checks each against the transcript
# (analysis/grounding.py), and the mock does not read it.
MOCK_SUMMARY = (
    "The supporter enquired about regular giving options and agreed to set up a monthly "
    "donation. The agent explained how the donation would be taken and confirmed the "
    "supporter's contact details before closing the call."
)
_PREFERRED_TOPICS = ("Regular giving signup", "Gift Aid explanation/enrolment")
_PREFERRED_ACTIONS = (
    "Greeted supporter",
    "Verified supporter identity",
    "Requested regular giving signup",
    "Thanked supporter for their time",
)


MOCK_MONTHLY_SUMMARY: dict[str, Any] = {
    "summary": "This is a mock summary (USE_MOCK_MODELS=true): no language model was run. "
    "Calls this month were mostly about regular giving and Gift Aid.",
    "key_insights": ["Regular giving was the most common reason for calling."],
    "recommendations": ["Keep explaining Gift Aid clearly on every eligible call."],
}


class MockLanguageModel:
    """`ports.LanguageModel` without a model."""

    def __init__(self, purpose: str = "analysis") -> None:
        self._purpose = purpose

    @property
    def model_name(self) -> str:
        return MOCK_MODEL_NAME

    @property
    def model_version(self) -> str:
        return "mock"

    @property
    def supports_audio(self) -> bool:
        return True

    def load(self) -> None:
        """Nothing to load: the mock has no weights."""
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
        if json_schema is None:
            return (
                "This is a mock reply (USE_MOCK_MODELS=true): no language model was run. "
                "Calls this month were mostly about regular giving and Gift Aid."
            )
        if json_schema.get("title") == "call_analysis":
            return json.dumps(
                _analysis(json_schema, audio=audio_path is not None), ensure_ascii=False
            )
        if json_schema.get("title") == "monthly_summary":
            return json.dumps(MOCK_MONTHLY_SUMMARY)
        return json.dumps(_instance(json_schema))


def _pick(values: list[str], preferred: tuple[str, ...], count: int) -> list[str]:
    chosen = [v for v in preferred if v in values][:count]
    for value in values:
        if len(chosen) >= count:
            break
        if value not in chosen:
            chosen.append(value)
    return chosen


def _fit(text: str, schema: dict[str, Any]) -> str:
    limit = int(schema.get("maxLength", len(text)))
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(". ", 1)[0]
    return cut if cut.endswith(".") else cut.rstrip(" ,") + "."


def _analysis(schema: dict[str, Any], *, audio: bool) -> dict[str, Any]:
    props = schema["properties"]
    topic_schema = props["key_topics"]["items"]["properties"]
    action_schema = props["agent_actions_performed"]["items"]["properties"]
    end_s = float(topic_schema["timestamp_start"]["maximum"])
    end_s = min(end_s, 300.0)

    def at(fraction: float) -> float:
        return round(end_s * fraction, 1)

    topics = _pick(
        topic_schema["name"]["enum"], _PREFERRED_TOPICS, min(2, props["key_topics"]["maxItems"])
    )
    actions = _pick(
        action_schema["action"]["enum"],
        _PREFERRED_ACTIONS,
        min(4, props["agent_actions_performed"]["maxItems"]),
    )
    rubric = props["performance_scores"]["required"]
    reply: dict[str, Any] = {
        "summary": _fit(MOCK_SUMMARY, props["summary"]),
        "sentiment_score": 5.5,
        "supporter_sentiment_trend": "positive",
        "key_topics": [
            {
                "name": name,
                "confidence": round(0.92 - 0.04 * i, 2),
                "timestamp_start": at(0.15 + 0.4 * i),
                "timestamp_end": at(0.5 + 0.4 * i),
            }
            for i, name in enumerate(topics)
        ],
        "agent_actions_performed": [
            {
                "action": name,
                "timestamp_start": at(0.95 * i / max(1, len(actions) - 1)),
                "quality": 4 + (i % 2),
            }
            for i, name in enumerate(actions)
        ],
        "performance_scores": {key: 6 + zlib.crc32(key.encode()) % 4 for key in rubric},
        "action_items": [
            {
                "description": _fit(
                    "Send a welcome pack confirming the regular gift.",
                    props["action_items"]["items"]["properties"]["description"],
                ),
                "priority": "medium",
                "due_date": None,
            }
        ][: props["action_items"]["maxItems"]],
        "compliance_flags": [],
    }
    if "audio_observations" in props:
        reply["audio_observations"] = {
            "call_quality": "good",
            "background_noise": "low",
            "agent_tone": "friendly",
            "supporter_tone": "happy",
            "notes": _fit(
                "The supporter sounded warm and engaged throughout."
                if audio
                else "No recording was heard.",
                props["audio_observations"]["properties"]["notes"],
            ),
        }
    return reply


def _instance(schema: dict[str, Any]) -> Any:
    """A minimal value matching a (simple) JSON schema."""
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return _instance(schema["anyOf"][0])
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {key: _instance(props[key]) for key in schema.get("required", props)}
    if kind == "array":
        return [_instance(schema.get("items", {})) for _ in range(int(schema.get("minItems", 0)))]
    if kind == "string":
        return "mock".ljust(int(schema.get("minLength", 0)), ".")
    if kind in ("number", "integer"):
        value = schema.get("minimum", 0)
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return False
    return None
