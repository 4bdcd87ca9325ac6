"""Repetition loops in Whisper's output, and the cut that removes them.

A small Whisper on hard audio (digits, noise, GSM) can fall into a loop: it writes one token or
a short group of tokens again and again until the window ends (`8, 8, 8, 8, 8, …`,
`-N -N -N`, `OK F -level, OK F -level, …`) or repeats a shape with the digits changing
(`4 '5", 3 '5", 1 '0"`). A loop inserts dozens of words that were never said. People repeat
themselves too ("double eight, double eight", "thank you, thank you"), so a run counts as a loop
only past what speech does: see `LoopPolicy`. Pure functions on words, no model.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

_PUNCTUATION = re.compile(r"^[^\w'\"-]+|[^\w'\"-]+$")
_DIGIT = re.compile(r"\d")
_SYMBOLS = frozenset("'\"-/:%")


@dataclass(frozen=True, slots=True)
class LoopPolicy:
    """How many back-to-back repeats make a loop.

    A single word may be said four times in a row in a number ("eight eight eight eight" in a
    card number), so a word needs `word_repeats` (5); a group of 2 or more words needs
    `group_repeats` (3). Shapes (digits replaced by `#`) repeat in every grouped number
    ("4539, 1488, 0343"), so a shape counts only when a token of the run is one speech does
    not write (quotes, dashes, slashes: `'5"`; a dot before a digit: `.5.`), and then at
    `group_repeats`.
    """

    word_repeats: int = 5
    group_repeats: int = 3
    max_group_words: int = 6


@dataclass(frozen=True, slots=True)
class Loop:
    """`group` repeated `repeats` times, back to back, from word `start`."""

    start: int
    group: tuple[str, ...]
    repeats: int

    @property
    def end(self) -> int:
        return self.start + len(self.group) * self.repeats

    @property
    def extra_words(self) -> int:
        """Words beyond the group's first occurrence: what a loop inserts."""
        return len(self.group) * (self.repeats - 1)


def word_key(word: str) -> str:
    """A word compared for repeats: lower case, outer punctuation off ("8," and "8" match)."""
    return _PUNCTUATION.sub("", word.strip().lower())


def _odd(word: str) -> bool:
    """A token speech does not write: a symbol in it (`'5"`, `-N`), or a dot before a digit."""
    text = word.strip()
    return bool(_SYMBOLS & set(text)) or (len(text) > 1 and text[0] == "." and text[1].isdigit())


def _shape(key: str) -> str:
    return _DIGIT.sub("#", key)


def find_loop(words: Sequence[str], policy: LoopPolicy | None = None) -> Loop | None:
    """The longest run (in words) of back-to-back repeats that is a loop, or None."""
    policy = policy or LoopPolicy()
    keys = [word_key(w) for w in words]
    shapes = [_shape(k) for k in keys]
    best: Loop | None = None
    for size in range(1, policy.max_group_words + 1):
        for found in _runs(keys, size):
            needed = policy.word_repeats if size == 1 else policy.group_repeats
            if found.repeats >= needed and (best is None or found.extra_words > best.extra_words):
                best = found
        for found in _runs(shapes, size):
            odd = any(_odd(word) for word in words[found.start : found.end])
            if (
                odd
                and found.repeats >= policy.group_repeats
                and (best is None or found.extra_words > best.extra_words)
            ):
                said = tuple(keys[found.start : found.start + size])
                best = Loop(found.start, said, found.repeats)
    return best


def _runs(keys: Sequence[str], size: int) -> list[Loop]:
    """Every maximal run of one `size`-word group repeated back to back (2 times or more)."""
    runs = []
    start = 0
    while start + 2 * size <= len(keys):
        group = keys[start : start + size]
        if not all(group):
            start += 1
            continue
        repeats, cursor = 1, start + size
        while keys[cursor : cursor + size] == group:
            repeats += 1
            cursor += size
        if repeats >= 2:
            runs.append(Loop(start, tuple(group), repeats))
            start = cursor - size + 1
        else:
            start += 1
    return runs


def cut_loops(words: Sequence[str], policy: LoopPolicy | None = None, keep: int = 1) -> list[int]:
    """Indexes of the words to keep: every loop cut down to `keep` occurrences of its group."""
    policy = policy or LoopPolicy()
    kept = list(range(len(words)))
    while True:
        loop = find_loop([words[k] for k in kept], policy)
        if loop is None:
            return kept
        first_dropped = loop.start + len(loop.group) * keep
        kept = kept[:first_dropped] + kept[loop.end :]


def compression_ratio(text: str) -> float:
    """Whisper's own loop measure: text bytes / zlib-compressed bytes (loops compress well)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0
