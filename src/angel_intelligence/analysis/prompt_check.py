"""Checking a custom prompt before it is saved: placeholders, then a real run on a sample call.

The spec asks that prompts be validated to "produce valid JSON before saving". The API calls
`check_custom_prompt` when a `prompt` config is created or changed: the placeholders are
checked always; when an analysis model is loaded, the transcript template is run once on the
built-in sample call (`samples.py`), without re-prompts, and must give a valid analysis. An
audio template is only checked for its placeholders, since the sample call has no recording.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.client_config import (
    InvalidConfigError,
    PromptTemplates,
    ResolvedConfig,
    validate_config_data,
)
from angel_intelligence.analysis.samples import sample_transcript
from angel_intelligence.analysis.schema import OutputLimits
from angel_intelligence.domain.analysis import AnalysisMode, CallAnalysis
from angel_intelligence.errors import AnalysisParseError, AnalysisValidationError
from angel_intelligence.ports import LanguageModel


def check_custom_prompt(
    config_data: Any,
    model: LanguageModel | None,
    base: ResolvedConfig,
    *,
    max_new_tokens: int = 2048,
    limits: OutputLimits = OutputLimits(),  # noqa: B008 - frozen
) -> CallAnalysis | None:
    """Raise InvalidConfigError unless `config_data` is a usable prompt for `base`'s client.

    Returns the sample call's analysis when the model ran (None without a model or without a
    transcript template). Model failures (ANALYSIS_FAILED, MODEL_LOAD_ERROR) are raised as
    they are: they say nothing about the prompt.
    """
    data = validate_config_data("prompt", config_data)
    if model is None or not data.get("transcript"):
        return None
    templates = PromptTemplates(
        transcript=data.get("transcript"),
        audio=data.get("audio"),
        client_name=data.get("client_name"),
        version=data.get("version"),
    )
    config = replace(base, prompt=templates, analysis_mode=AnalysisMode.TRANSCRIPT)
    analyser = CallAnalyser(model, max_reprompts=0, max_new_tokens=max_new_tokens, limits=limits)
    try:
        return analyser.analyse(sample_transcript(), config)
    except (AnalysisParseError, AnalysisValidationError) as error:
        raise InvalidConfigError(
            f"the transcript template did not produce a valid analysis of the sample call "
            f"({error.code}: {error.message})"
        ) from None
