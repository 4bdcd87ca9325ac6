"""JSON-schema-constrained decoding with llguidance, for models run in-process.

At every step llguidance gives the set of tokens that keep the output a valid prefix of the
schema; everything else is masked out before the next token is chosen. The grammar is built with
`whitespace_flexible` off, so a weak model cannot pad whitespace until it runs out of tokens
(research/ecosystem.md).

Two ways to drive it:

- `decode_constrained`, our own decoding loop (greedy, or seeded sampling) for text-only
  causal LMs. When the grammar forces the next bytes (a key such as
  `"performance_scores":{"Clarity of speech":`, or the rest of an enum value), llguidance's
  fast-forward tokens are fed to the model in one forward pass instead of one pass each; and
  the key/value cache of the previous prompt is reused up to the first token that differs (the
  system message, the config and the template come before the transcript, so that is most of
  the prompt).
- `SchemaLogitsProcessor` for `model.generate()`, used for multimodal models (Qwen2.5-Omni),
  whose position ids and audio features `generate()` prepares.
"""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass, field
from typing import Any

import llguidance
import llguidance.hf
import torch
from transformers import LogitsProcessor


class ConstrainedDecodingError(RuntimeError):
    """The grammar rejected a token it had allowed (a bug), or the schema cannot be compiled."""


class GrammarCache:
    """Compiles schemas to llguidance grammars for one tokenizer, once per distinct schema."""

    def __init__(self, hf_tokenizer: Any) -> None:
        # from_tokenizer takes about a second, so it is done once per model.
        self._tokenizer = llguidance.hf.from_tokenizer(hf_tokenizer)
        self._grammars: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def vocab_size(self) -> int:
        return int(self._tokenizer.vocab_size)

    def matcher(self, schema: dict[str, Any]) -> llguidance.LLMatcher:
        key = json.dumps(schema, sort_keys=True)
        with self._lock:
            grammar = self._grammars.get(key)
            if grammar is None:
                grammar = llguidance.LLMatcher.grammar_from_json_schema(
                    schema, defaults={"whitespace_flexible": False}
                )
                error = llguidance.LLMatcher.validate_grammar(grammar, self._tokenizer)
                if error:
                    raise ConstrainedDecodingError(f"the JSON schema cannot be compiled: {error}")
                self._grammars[key] = grammar
        matcher = llguidance.LLMatcher(self._tokenizer, grammar, log_level=0)
        if matcher.is_error():
            raise ConstrainedDecodingError(matcher.get_error())
        return matcher


def _mask_logits(
    matcher: llguidance.LLMatcher, logits: torch.Tensor, vocab_size: int
) -> torch.Tensor:
    """`logits` (1-D, any length ≥ the tokenizer's) with disallowed tokens at −inf."""
    bitmask = torch.zeros((vocab_size + 31) // 32, dtype=torch.int32)
    matcher.unsafe_compute_mask_ptr(bitmask.data_ptr(), bitmask.numel() * bitmask.element_size())
    bits = (bitmask.unsqueeze(1) >> torch.arange(32, dtype=torch.int32)) & 1
    allowed = torch.zeros(logits.shape[-1], dtype=torch.bool, device=logits.device)
    allowed[:vocab_size] = bits.reshape(-1)[:vocab_size].bool().to(logits.device)
    return logits.masked_fill(~allowed, float("-inf"))


def _consume(matcher: llguidance.LLMatcher, tokens: list[int]) -> None:
    if tokens and not matcher.consume_tokens(tokens):
        raise ConstrainedDecodingError(f"the grammar rejected a token: {matcher.get_error()}")


class PrefixCache:
    """The key/value cache of the last prompt, so the next prompt skips the shared prefix."""

    def __init__(self) -> None:
        self._ids: list[int] = []
        self._cache: Any = None

    def take(self, ids: list[int]) -> tuple[Any, int]:
        """A private copy of the cache for the longest prefix shared with `ids`, and its length.

        At least one token of `ids` is left to feed, since the model needs an input.
        """
        from transformers import DynamicCache

        shared = 0
        limit = min(len(self._ids), len(ids) - 1)
        while shared < limit and self._ids[shared] == ids[shared]:
            shared += 1
        if self._cache is None or shared == 0:
            return DynamicCache(), 0
        cache = copy.deepcopy(self._cache)
        extra = cache.get_seq_length() - shared
        if extra > 0:
            cache.crop(-extra)
        return cache, shared

    def keep(self, ids: list[int], cache: Any) -> None:
        self._ids = list(ids)
        self._cache = copy.deepcopy(cache)


@dataclass(frozen=True, slots=True)
class Sampling:
    """Greedy at temperature 0; otherwise sampled with a private, seeded generator."""

    temperature: float = 0.0
    seed: int | None = None

    def choose(self, logits: torch.Tensor, generator: torch.Generator | None) -> int:
        if self.temperature <= 0 or generator is None:
            return int(torch.argmax(logits))
        probabilities = torch.softmax(logits / self.temperature, dim=-1)
        return int(torch.multinomial(probabilities.cpu(), 1, generator=generator))

    def generator(self) -> torch.Generator | None:
        if self.temperature <= 0:
            return None
        generator = torch.Generator()
        generator.manual_seed(self.seed or 0)
        return generator


@dataclass
class Decoded:
    """The generated tokens and what it took (for logs and the benchmark)."""

    tokens: list[int] = field(default_factory=list)
    prompt_tokens: int = 0
    reused_prompt_tokens: int = 0  # taken from the previous prompt's cache
    forward_passes: int = 0
    forced_tokens: int = 0  # fed by fast-forward, not chosen by the model


def decode_constrained(
    model: Any,
    prompt_ids: list[int],
    *,
    matcher: llguidance.LLMatcher | None,
    vocab_size: int,
    max_new_tokens: int,
    eos_token_ids: set[int],
    prefix: PrefixCache | None = None,
    sampling: Sampling = Sampling(),
) -> Decoded:
    """Greedy decoding of a text-only causal LM, constrained by `matcher` when given."""
    device = next(model.parameters()).device
    if prefix is not None:
        cache, done = prefix.take(prompt_ids)
    else:
        from transformers import DynamicCache

        cache, done = DynamicCache(), 0
    feed = prompt_ids[done:]
    result = Decoded(prompt_tokens=len(prompt_ids), reused_prompt_tokens=done)
    generated = result.tokens
    generator = sampling.generator()
    first = True
    with torch.inference_mode():
        while len(generated) < max_new_tokens:
            output = model(
                input_ids=torch.tensor([feed], device=device), past_key_values=cache, use_cache=True
            )
            cache = output.past_key_values
            result.forward_passes += 1
            if first and prefix is not None:
                prefix.keep(prompt_ids, cache)
            first = False
            logits = output.logits[0, -1, :].float()
            if matcher is not None:
                logits = _mask_logits(matcher, logits, vocab_size)
            token = sampling.choose(logits, generator)
            if token in eos_token_ids:
                break
            if matcher is not None:
                _consume(matcher, [token])
            generated.append(token)
            if matcher is None:
                feed = [token]
                continue
            if matcher.is_stopped():
                break
            forced = list(matcher.compute_ff_tokens())[: max_new_tokens - len(generated)]
            _consume(matcher, forced)
            generated.extend(forced)
            result.forced_tokens += len(forced)
            if matcher.is_stopped():
                break
            feed = [token, *forced]
    return result


class SchemaLogitsProcessor(LogitsProcessor):
    """Masks the logits of `generate()` to the schema (batch size 1, greedy or sampled)."""

    def __init__(
        self, matcher: llguidance.LLMatcher, prompt_length: int, vocab_size: int, eos_token_id: int
    ) -> None:
        self._matcher = matcher
        self._prompt_length = prompt_length
        self._vocab_size = vocab_size
        self._eos = eos_token_id
        self._consumed = 0

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        new = input_ids[0, self._prompt_length + self._consumed :].tolist()
        _consume(self._matcher, [int(t) for t in new])
        self._consumed += len(new)
        row = scores[0]
        if self._matcher.is_stopped():
            masked = torch.full_like(row, float("-inf"))
            masked[self._eos] = 0.0
        else:
            masked = _mask_logits(self._matcher, row, self._vocab_size)
        return masked.unsqueeze(0)  # type: ignore[return-value]
