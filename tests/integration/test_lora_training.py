"""LoRA fine-tuning with real peft on a real (tiny, random) Llama: the adapter is saved, the
loss falls, the adapter changes the model's outputs, a diverging run saves nothing, and an
example too long for `max_length` loses transcript lines, never its reply. The bundled
SmolLM2 is fine-tuned end to end in tests/integration/api/test_training_smollm2.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis_samples import VALID_REPLY, sample_transcript, small_config
from angel_intelligence.analysis.prompting import build_prompt, transcript_for_prompt
from angel_intelligence.backends.llm.model_files import locate_model
from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel
from angel_intelligence.backends.training.lora import (
    ChatExample,
    LoraOptions,
    TrainingDivergedError,
    encode_example,
    train_lora,
)
from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.domain.speakers import SpeakerRole
from angel_intelligence.domain.transcript import Segment, Transcript
from tiny_models import save_tiny_llama, tiny_tokenizer

PROMPT = build_prompt(sample_transcript(), small_config(), AnalysisMode.TRANSCRIPT)
EXAMPLE = ChatExample(PROMPT.messages, json.dumps(VALID_REPLY))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_llama(tmp_path_factory.mktemp("tiny-base"))


def test_a_few_steps_save_an_adapter_that_changes_the_outputs(base: Path, tmp_path: Path) -> None:
    steps: list[tuple[int, int, float]] = []
    run = train_lora(
        base,
        [EXAMPLE],
        tmp_path / "adapter",
        LoraOptions(epochs=8, learning_rate=5e-3, lora_rank=8, lora_alpha=16, max_length=4096),
        progress=lambda step, total, loss: steps.append((step, total, loss)),
    )
    assert [s[0] for s in steps] == list(range(1, 9)) and steps[0][1] == 8
    assert run.steps == 8 and run.final_loss < run.first_loss
    assert {"adapter_config.json", "adapter_model.safetensors"} <= {
        p.name for p in (tmp_path / "adapter").iterdir()
    }
    tuned_files = locate_model(tmp_path / "adapter", allow_bundled=False)
    assert tuned_files.kind == "lora" and tuned_files.base_path == base
    tuned = TransformersLanguageModel(tuned_files)
    plain = TransformersLanguageModel(locate_model(base, allow_bundled=False))
    tuned.load()
    plain.load()
    messages = list(PROMPT.messages)
    assert tuned.generate(messages, max_new_tokens=24) != plain.generate(
        messages, max_new_tokens=24
    )


def test_a_diverging_run_stops_and_saves_nothing(base: Path, tmp_path: Path) -> None:
    with pytest.raises(TrainingDivergedError, match="training diverged"):
        train_lora(
            base,
            [EXAMPLE],
            tmp_path / "adapter",
            LoraOptions(epochs=20, learning_rate=1e30, max_length=4096),
        )
    assert not (tmp_path / "adapter").exists()


def long_example(lines: int) -> ChatExample:
    """The worker's prompt over a call of `lines` turns, and the sample reply."""
    turns = [
        Segment(
            text=f"Turn {n}: I would like to give ten pounds a month, please.",
            start_s=5.0 * n,
            end_s=5.0 * n + 4.0,
            speaker=SpeakerRole.SUPPORTER if n % 2 else SpeakerRole.AGENT,
        )
        for n in range(lines)
    ]
    transcript = Transcript(segments=tuple(turns), duration_s=5.0 * lines)
    prompt = build_prompt(transcript, small_config(), AnalysisMode.TRANSCRIPT)
    return ChatExample(prompt.messages, json.dumps(VALID_REPLY), transcript_for_prompt(transcript))


def test_a_long_example_loses_lines_from_the_middle_of_its_transcript_never_its_reply() -> None:
    tokenizer = tiny_tokenizer()
    example = long_example(80)
    whole = encode_example(tokenizer, example, 100_000)
    assert whole.cut_lines == 0
    reply = [label for label in whole.labels if label != -100]
    limit = len(whole.ids) * 3 // 4
    cut = encode_example(tokenizer, example, limit)
    assert limit - 120 <= len(cut.ids) <= limit and 0 < cut.cut_lines < 80  # one line at most
    assert [label for label in cut.labels if label != -100] == reply  # the reply whole
    assert cut.ids[-len(reply) :] == reply
    text = tokenizer.decode(cut.ids)
    assert example.messages[0]["content"] in text  # the system message whole
    assert "Analyse the call in the transcript above" in text  # the instructions after it
    assert "Turn 0:" in text and "Turn 79:" in text  # the call's start and end kept
    assert f"[… {cut.cut_lines} lines of the call left out for length …]" in text
    assert "Turn 40:" not in text
    assert text.count("Turn ") == 80 - cut.cut_lines


def test_an_example_that_cannot_fit_without_its_transcript_is_refused() -> None:
    tokenizer = tiny_tokenizer()
    with pytest.raises(ValueError, match="max_length 300 is too short"):
        encode_example(tokenizer, long_example(10), 300)
    no_transcript = ChatExample(EXAMPLE.messages, EXAMPLE.response)  # nothing it may cut
    with pytest.raises(ValueError, match=r"raise options\.max_length"):
        encode_example(tokenizer, no_transcript, 300)


def test_a_run_reports_the_examples_it_cut(base: Path, tmp_path: Path) -> None:
    examples = [long_example(80), long_example(4)]
    short = encode_example(tiny_tokenizer(), examples[1], 100_000)
    run = train_lora(
        base,
        examples,
        tmp_path / "adapter",
        LoraOptions(epochs=1, learning_rate=1e-3, max_length=len(short.ids) + 40),
    )
    assert (run.steps, run.examples, run.cut_examples) == (2, 2, 1)
    assert run.cut_lines > 0 and run.longest_tokens <= len(short.ids) + 40
    assert run.to_json()["cut_examples"] == 1
