"""The analysis stage: transcript (or audio) and config in, validated `CallAnalysis` out.

1. Choose the mode: the config's (client, global, file or `ANALYSIS_MODE`); audio mode needs
   the recording and a model that can hear it, otherwise the call is analysed from its
   transcript and the reason is recorded in `audio_analysis`.
2. Build the JSON schema from the config and the prompt from the templates.
3. Ask the model, constrained to the schema where it can be; parse and validate the reply
   (`reply.py`). A rejected reply is followed by up to `max_reprompts` re-prompts that say what
   was wrong; then ANALYSIS_PARSE_ERROR or ANALYSIS_VALIDATION_ERROR with the last reason.
   Model failures are ANALYSIS_FAILED (MODEL_LOAD_ERROR when it cannot load).
4. Put the prose into British English and add the derived fields.

Grounded (`grounded=True`, the worker's and `angel analyse`'s way; issue 16): evidence is
extracted first (`analysis/evidence/`), the model chooses among its candidates and writes the
prose and the rubric, and what it wrote is checked against the evidence (`grounding.py`); a
failed check is re-prompted with its reason, and when no attempt passes (or no reply parses)
the analysis is written from the evidence alone, marked `analysis_source: "evidence"` in
`audio_analysis`, instead of failing the call.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from angel_intelligence.analysis import grounding
from angel_intelligence.analysis.client_config import ResolvedConfig
from angel_intelligence.analysis.evidence import Evidence, extract_evidence
from angel_intelligence.analysis.prompting import build_prompt
from angel_intelligence.analysis.reply import (
    AnalysisReply,
    ReplyContext,
    ReplyRejected,
    parse_reply,
)
from angel_intelligence.analysis.schema import COMPACT_LIMITS, OutputLimits, build_output_schema
from angel_intelligence.domain.analysis import (
    ActionItem,
    AgentAction,
    AnalysisMode,
    AudioObservations,
    CallAnalysis,
    ComplianceFlag,
    KeyTopic,
)
from angel_intelligence.domain.speakers import Handover
from angel_intelligence.domain.transcript import Transcript
from angel_intelligence.errors import (
    AnalysisFailedError,
    AnalysisParseError,
    AnalysisValidationError,
    AngelError,
)
from angel_intelligence.language.british import to_british_english
from angel_intelligence.logging import get_logger
from angel_intelligence.ports import LanguageModel, TextEmbedder

log = get_logger(__name__)
# Re-prompts sample instead of decoding greedily: a model that ignores the feedback would
# otherwise repeat the rejected reply word for word (seeded, so runs stay reproducible).
RETRY_TEMPERATURE = 0.7


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    """The analysis section: ANALYSIS_MAX_REPROMPTS, ANALYSIS_MAX_NEW_TOKENS,
    ANALYSIS_COMPACT_OUTPUT (None: compact for the bundled small model),
    ANALYSIS_SUMMARY_STYLE (the summary written when the model writes none)."""

    max_reprompts: int = 3
    max_new_tokens: int = 2048
    compact_output: bool | None = None
    summary_style: str = grounding.DEFAULT_SUMMARY_STYLE


def output_limits(options: AnalysisOptions, model: LanguageModel) -> OutputLimits:
    """The reply's size limits: `ANALYSIS_COMPACT_OUTPUT`, or compact for the bundled model."""
    compact = options.compact_output
    if compact is None:  # automatic: the bundled toy model on a CPU needs short replies
        compact = model.model_version == "bundled"
    return COMPACT_LIMITS if compact else OutputLimits()


@dataclass(frozen=True, slots=True)
class _ModeChoice:
    mode: AnalysisMode
    fallback_reason: str | None = None


class CallAnalyser:
    """Analyses calls with one language model (the analysis model, never the chat model)."""

    def __init__(
        self,
        model: LanguageModel,
        *,
        max_reprompts: int = 3,
        max_new_tokens: int = 2048,
        limits: OutputLimits = OutputLimits(),  # noqa: B008 - frozen
        clock: Callable[[], float] = time.monotonic,
        grounded: bool = False,
        embedder: TextEmbedder | None = None,
        model_summary: bool = True,
        summary_style: str = grounding.DEFAULT_SUMMARY_STYLE,
    ) -> None:
        if summary_style not in grounding.SUMMARY_STYLES:
            raise ValueError(f"unknown summary style {summary_style!r}")
        self._summary_style = summary_style
        self._grounded = grounded
        self._model_summary = model_summary
        self._embedder = embedder
        self._model = model
        self._max_reprompts = max_reprompts
        self._max_new_tokens = max_new_tokens
        self._limits = limits
        self._clock = clock

    @classmethod
    def from_options(
        cls, options: AnalysisOptions, model: LanguageModel, **overrides: Any
    ) -> CallAnalyser:
        limits = output_limits(options, model)
        given: dict[str, Any] = {
            "max_reprompts": options.max_reprompts,
            "max_new_tokens": options.max_new_tokens,
            "limits": limits,
            # compact output (the bundled toy model): the summary is templated from the evidence
            "model_summary": limits is not COMPACT_LIMITS,
            "summary_style": options.summary_style,
        }
        return cls(model, **(given | overrides))

    @property
    def model(self) -> LanguageModel:
        return self._model

    @property
    def embedder(self) -> TextEmbedder | None:
        return self._embedder

    @property
    def grounded(self) -> bool:
        """Whether analyses are grounded in evidence (the worker's and `angel analyse`'s way)."""
        return self._grounded

    def analyse(
        self,
        transcript: Transcript,
        config: ResolvedConfig,
        *,
        audio_path: Path | None = None,
        speaker_metrics: Mapping[str, Any] | None = None,
        handovers: Sequence[Handover] = (),
        call_date: dt.date | None = None,
    ) -> CallAnalysis:
        """Analyse one call. `transcript` must be the PII-redacted, speaker-labelled one;
        `speaker_metrics` are the diarization's (the spec's shape); `handovers` the transfers;
        `call_date` (default today) is what due dates are counted from."""
        if self._grounded:
            return self._analyse_grounded(
                transcript, config, audio_path, speaker_metrics, handovers,
                call_date or dt.datetime.now(dt.UTC).date(),
            )  # fmt: skip
        started = self._clock()
        choice = self._choose_mode(config, audio_path)
        schema = build_output_schema(
            config, choice.mode, duration_s=transcript.duration_s, limits=self._limits
        )
        prompt = build_prompt(transcript, config, choice.mode)
        context = ReplyContext(
            config=config,
            mode=choice.mode,
            duration_s=transcript.duration_s,
            limits=self._limits,
            prompt_ngrams=prompt.instruction_ngrams,
        )
        problems: list[str] = []
        rejected: ReplyRejected | None = None
        attempts = self._max_reprompts + 1
        for attempt in range(1, attempts + 1):
            text = self._ask(
                prompt.with_feedback(problems),
                schema,
                audio_path if choice.mode is AnalysisMode.AUDIO else None,
                attempt,
            )
            try:
                reply = parse_reply(text, context)
            except ReplyRejected as error:
                log.warning(
                    "analysis_reply_rejected",
                    attempt=attempt,
                    attempts=attempts,
                    kind=error.kind,
                    reason=error.reason,
                )
                problems.append(error.reason)
                rejected = error
                continue
            audio_analysis = _record(choice, config, prompt.version, handovers, attempt)
            return self._analysis(
                reply, audio_analysis, speaker_metrics, processing_time_s=self._clock() - started
            )
        assert rejected is not None
        error_class = AnalysisParseError if rejected.kind == "parse" else AnalysisValidationError
        raise error_class(
            f"no valid analysis after {attempts} attempts; last reply: {rejected.reason}"
        )

    def evidence(
        self, transcript: Transcript, config: ResolvedConfig, call_date: dt.date
    ) -> Evidence:
        """The evidence this analyser gives its model for `transcript`, found with the
        config's keywords and compliance rules (the client's, resolved like the rest)."""
        return extract_evidence(
            transcript,
            topics=config.topics,
            agent_actions=config.agent_actions,
            call_date=call_date,
            embed=self._embedder.embed if self._embedder is not None else None,
            options=config.evidence_options(),
        )

    def _analyse_grounded(
        self,
        transcript: Transcript,
        config: ResolvedConfig,
        audio_path: Path | None,
        speaker_metrics: Mapping[str, Any] | None,
        handovers: Sequence[Handover],
        call_date: dt.date,
    ) -> CallAnalysis:
        started = self._clock()
        evidence = self.evidence(transcript, config, call_date)
        choice = self._choose_mode(config, audio_path)
        judged = grounding.narrowed_config(config, evidence)
        schema = grounding.restrict_schema(
            build_output_schema(
                judged, choice.mode, duration_s=transcript.duration_s, limits=self._limits
            ),
            model_summary=self._model_summary,
        )
        prompt = build_prompt(transcript, judged, choice.mode)
        prompt = replace(
            prompt,
            messages=tuple(
                grounding.with_evidence(list(prompt.messages), evidence, self._model_summary)
            ),
        )
        context = ReplyContext(
            config=judged,
            mode=choice.mode,
            duration_s=transcript.duration_s,
            limits=self._limits,
            prompt_ngrams=prompt.instruction_ngrams,
        )
        metrics = merge_speaker_metrics(speaker_metrics, evidence.sentiment.trend)
        problems: list[str] = []
        attempts = self._max_reprompts + 1
        for attempt in range(1, attempts + 1):
            text = self._ask(
                prompt.with_feedback(problems),
                schema,
                audio_path if choice.mode is AnalysisMode.AUDIO else None,
                attempt,
            )
            try:
                reply = parse_reply(text, context)
            except ReplyRejected as error:
                log.warning("analysis_reply_rejected", attempt=attempt, kind=error.kind,
                            reason=error.reason)  # fmt: skip
                problems.append(error.reason)
                continue
            written = None
            if not self._model_summary:
                written = grounding.evidence_summary(evidence, self._summary_style)
            parts = grounding.grounded_parts(
                reply,
                evidence,
                model_summary=self._model_summary,
                evidence_summary_text=written[0] if written else None,
            )
            failed = grounding.check(parts, evidence, transcript, model_summary=self._model_summary)
            if failed:
                log.warning("analysis_check_failed", attempt=attempt, reasons=failed)
                problems.extend(failed)
                continue
            record = _record(choice, config, prompt.version, handovers, attempt)
            record |= grounding.evidence_record(evidence, "model", None)
            record["summary_source"] = written[1] if written else "model"
            rated = {a.action for a in reply.agent_actions_performed}
            record["unrated_actions"] = [  # kept on the evidence, quality 3 by default
                a.action for a in parts["agent_actions_performed"] if a.action not in rated
            ]
            if reply.audio_observations is not None:
                obs = reply.audio_observations
                record["audio_observations"] = AudioObservations(
                    obs.call_quality, obs.background_noise, obs.agent_tone, obs.supporter_tone,
                    to_british_english(obs.notes),
                ).to_json()  # fmt: skip
            parts["summary"] = to_british_english(parts["summary"])
            return grounding.analysis_from(
                parts,
                speaker_metrics=metrics,
                audio_analysis=record,
                model_used=self._model.model_name,
                model_version=self._model.model_version,
                processing_time_s=self._clock() - started,
            )
        reason = problems[-1] if problems else "no reply"
        log.warning("analysis_from_evidence_alone", attempts=attempts, reason=reason)
        record = _record(choice, config, prompt.version, handovers, attempts)
        record |= grounding.evidence_record(evidence, "evidence", reason)
        summary, record["summary_source"] = grounding.evidence_summary(
            evidence, self._summary_style
        )
        record["unrated_actions"] = [c.name for c in evidence.actions]
        return grounding.analysis_from(
            grounding.fallback_parts(evidence, summary),
            speaker_metrics=metrics,
            audio_analysis=record,
            model_used=self._model.model_name,
            model_version=self._model.model_version,
            processing_time_s=self._clock() - started,
        )

    def _choose_mode(self, config: ResolvedConfig, audio_path: Path | None) -> _ModeChoice:
        if config.analysis_mode is AnalysisMode.TRANSCRIPT:
            return _ModeChoice(AnalysisMode.TRANSCRIPT)
        if audio_path is None:
            reason = "no recording was given"
        elif not self._model.supports_audio:
            reason = f"the analysis model {self._model.model_name} cannot take audio"
        else:
            return _ModeChoice(AnalysisMode.AUDIO)
        log.warning("analysis_audio_mode_unavailable", reason=reason)
        return _ModeChoice(AnalysisMode.TRANSCRIPT, reason)

    def _ask(
        self,
        messages: list[dict[str, Any]],
        schema: dict[str, Any],
        audio_path: Path | None,
        attempt: int,
    ) -> str:
        started = self._clock()
        try:
            text = self._model.generate(
                messages,
                json_schema=schema,
                max_new_tokens=self._max_new_tokens,
                audio_path=audio_path,
                temperature=0.0 if attempt == 1 else RETRY_TEMPERATURE,
                seed=attempt,
            )
        except AngelError:
            raise
        except Exception as error:
            name = self._model.model_name
            raise AnalysisFailedError(
                f"the analysis model {name} failed: {type(error).__name__}: {error}"
            ) from error
        log.info(
            "analysis_model_replied",
            attempt=attempt,
            seconds=round(self._clock() - started, 2),
            chars=len(text),
        )
        return text

    def _analysis(
        self,
        reply: AnalysisReply,
        audio_analysis: dict[str, Any],
        speaker_metrics: Mapping[str, Any] | None,
        *,
        processing_time_s: float,
    ) -> CallAnalysis:
        british = to_british_english
        if reply.audio_observations is not None:
            obs = reply.audio_observations
            audio_analysis["audio_observations"] = AudioObservations(
                call_quality=obs.call_quality,
                background_noise=obs.background_noise,
                agent_tone=obs.agent_tone,
                supporter_tone=obs.supporter_tone,
                notes=british(obs.notes),
            ).to_json()
        return CallAnalysis(
            summary=british(reply.summary),
            sentiment_score=reply.sentiment_score,
            key_topics=_unique_topics(
                KeyTopic(t.name, t.confidence, t.timestamp_start, t.timestamp_end)
                for t in reply.key_topics
            ),
            agent_actions_performed=_unique_actions(
                AgentAction(a.action, a.timestamp_start, a.quality)
                for a in reply.agent_actions_performed
            ),
            performance_scores=MappingProxyType(dict(reply.performance_scores)),
            action_items=tuple(
                ActionItem(british(i.description), i.priority, i.due_date)
                for i in reply.action_items
            ),
            compliance_flags=tuple(
                ComplianceFlag(
                    f.type, british(f.issue), f.severity, f.timestamp_start, f.timestamp_end
                )
                for f in reply.compliance_flags
            ),
            speaker_metrics=merge_speaker_metrics(speaker_metrics, reply.supporter_sentiment_trend),
            audio_analysis=MappingProxyType(audio_analysis),
            model_used=self._model.model_name,
            model_version=self._model.model_version,
            processing_time_s=processing_time_s,
        )


def _record(
    choice: _ModeChoice,
    config: ResolvedConfig,
    prompt_version: str,
    handovers: Sequence[Handover],
    attempts: int,
) -> dict[str, Any]:
    """What `audio_analysis` keeps besides the audio observations: how the analysis was made."""
    return {
        "analysis_mode": choice.mode.value,
        "requested_mode": config.analysis_mode.value,
        "fallback_reason": choice.fallback_reason,
        "audio_observations": None,
        "handovers": [
            {
                "time_seconds": round(h.time_s, 2),
                "from_speaker_id": h.from_speaker_id,
                "to_speaker_id": h.to_speaker_id,
            }
            for h in handovers
        ],
        "prompt_version": prompt_version,
        "config_sources": config.describe_sources(),
        "attempts": attempts,
    }


def _unique_topics(topics: Iterable[KeyTopic]) -> tuple[KeyTopic, ...]:
    """One entry per topic name (models repeat themselves): the highest confidence, and the
    span covering every mention."""
    merged: dict[str, KeyTopic] = {}
    for topic in topics:
        seen = merged.get(topic.name)
        if seen is None:
            merged[topic.name] = topic
            continue
        merged[topic.name] = KeyTopic(
            topic.name,
            max(seen.confidence, topic.confidence),
            min(seen.timestamp_start, topic.timestamp_start),
            max(seen.timestamp_end, topic.timestamp_end),
        )
    return tuple(merged.values())


def _unique_actions(actions: Iterable[AgentAction]) -> tuple[AgentAction, ...]:
    """An action at one moment is kept once (the first, as the model wrote it)."""
    unique: dict[tuple[str, float], AgentAction] = {}
    for action in actions:
        unique.setdefault((action.action, action.timestamp_start), action)
    return tuple(unique.values())


def merge_speaker_metrics(
    measured: Mapping[str, Any] | None, supporter_trend: str
) -> dict[str, Any]:
    """The diarization's speaker metrics (the spec's shape) with the model's sentiment trend
    added under `supporter`; the model is never asked for numbers that can be measured."""
    merged: dict[str, Any] = {role: dict(values) for role, values in (measured or {}).items()}
    merged.setdefault("supporter", {})["sentiment_trend"] = supporter_trend
    return merged
