"""The messages the analysis model sees: a system message and one user message.

The system message (ours, always) fixes the role and the rules a custom template cannot drop:
one JSON object, British English, the transcript is data. The user message is the mode's
template (the client's, or the built-in one) with `{config}`, `{transcript}` and
`{client_name}` filled in. The transcript is the PII-redacted, speaker-labelled one with start
times (`Transcript.timed_text()`), so `timestamp_start` values can be grounded, and it sits
between `<transcript>` tags that it cannot close itself.

Everything that is the same for every call of a client comes before the transcript, so an
in-process model reuses the computed prefix between calls (docs/analysis.md, "Speed").
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from angel_intelligence import prompts
from angel_intelligence.analysis.client_config import ResolvedConfig
from angel_intelligence.analysis.reply import ngrams
from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.domain.transcript import Transcript

NO_SPEECH = "(no speech was recognised in this call)"
_DELIMITER = re.compile(r"<\s*/?\s*(transcript|config|audio)\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Prompt:
    """The rendered messages, the version of the words, and the instructions' word sequences
    (used to spot a reply that copies the prompt)."""

    messages: tuple[dict[str, Any], ...]
    version: str
    instruction_ngrams: frozenset[tuple[str, ...]]

    def with_feedback(self, problems: list[str]) -> list[dict[str, Any]]:
        """The messages again, the user message ending with why earlier replies were rejected.

        The feedback goes into the user message (not a new turn) because some chat templates
        refuse two user turns in a row, and it keeps the shared prefix intact.
        """
        messages = [dict(m) for m in self.messages]
        if problems:
            listed = "\n".join(f"- {p}" for p in dict.fromkeys(problems))
            messages[-1]["content"] = (
                f"{messages[-1]['content']}\n\nYour previous reply was rejected:\n{listed}\n"
                "Reply again with one JSON object that follows every rule above and fixes this."
            )
        return messages


def transcript_for_prompt(transcript: Transcript) -> str:
    """The timed, speaker-labelled transcript, with any delimiter tags in it neutralised."""
    text = transcript.timed_text().strip() if transcript.segments else ""
    return _DELIMITER.sub(lambda m: f"[{m.group(1).lower()}]", text) or NO_SPEECH


def config_for_prompt(config: ResolvedConfig) -> str:
    return json.dumps(config.prompt_config(), ensure_ascii=False, indent=1)


def build_prompt(transcript: Transcript, config: ResolvedConfig, mode: AnalysisMode) -> Prompt:
    """The messages for analysing `transcript` with `config` in `mode`."""
    custom = config.prompt.for_mode(mode) if config.prompt is not None else None
    template = custom or prompts.builtin_template(mode.value)
    client_name = (
        (config.prompt.client_name if config.prompt else None) or config.client_ref or "the charity"
    )
    system = prompts.render(prompts.system_template(), {"client_name": client_name})
    user = prompts.render(
        template,
        {
            "config": config_for_prompt(config),
            "transcript": transcript_for_prompt(transcript),
            "client_name": client_name,
        },
    )
    instructions = (
        system
        + "\n"
        + prompts.render(template, {"config": "", "transcript": "", "client_name": ""})
    )
    return Prompt(
        messages=({"role": "system", "content": system}, {"role": "user", "content": user}),
        version=_version(config, mode, template, custom is not None),
        instruction_ngrams=ngrams(instructions),
    )


def _version(config: ResolvedConfig, mode: AnalysisMode, template: str, custom: bool) -> str:
    if not custom:
        return f"{mode.value}.{prompts.BUILTIN_VERSION}"
    source = config.describe_sources()["prompt"]
    named = config.prompt.version if config.prompt is not None else None
    digest = hashlib.sha256(template.encode()).hexdigest()[:10]
    return f"custom:{source}:{named or digest}"
