"""A client's evidence settings: keywords per topic or action, and the compliance rules.

Two config types of `ai_client_configs` (and of the config file), resolved per type like the
others (`analysis/client_config.py`; docs/analysis.md, "Per-client evidence"):

- `keywords`: `{"<topic or action>": ["<expression>", …], …}`, added to the built-in cues of
  the spec's default lists (`cues.py`). A key that is not one of the call's configured topics
  or actions (ignoring case) finds nothing.
- `compliance`: `{"rules": [...]}` (the rules that run; or `"disabled_rules": [...]`, every
  rule but those), `"gift_aid_wording": [[alternative, …], …]` (groups, each of which must be
  said in one of its alternatives), `"data_protection_phrases": [...]` and
  `"vulnerability_cues": [...]`; each key optional, a given wording replacing the default.

An expression is a regular expression (Python syntax), matched case-insensitively on word
boundaries; a plain phrase works as it is. Validation names the field at fault: an unknown key
or rule, a wrong shape, an expression that does not compile or that matches nothing at all, or
one with a shape that can backtrack catastrophically on a long turn (`runaway_shape`: a
quantifier inside another, a repeated alternation whose alternatives can start alike, a
backreference). Matching is bounded as well (`matching.keyword_hit`), for shapes this misses.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from angel_intelligence.analysis.evidence.compliance import RULES, ComplianceOptions

MAX_KEYWORD_ITEMS = 200
MAX_EXPRESSIONS = 50
MAX_EXPRESSION_CHARS = 200
MAX_GROUPS = 20
WORDING_KEYS = ("gift_aid_wording", "data_protection_phrases", "vulnerability_cues")
COMPLIANCE_KEYS = ("rules", "disabled_rules", *WORDING_KEYS)


# The standard library's own parser of `re` syntax and its node types (`sre_parse` before
# Python 3.11, which now warns when imported by that name).
_parser: Any = importlib.import_module("re._parser")
sre: Any = importlib.import_module("re._constants")


class EvidenceConfigError(ValueError):
    """A `keywords` or `compliance` config is not valid; the message names the field."""


_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_ANY_START = "any"
"""A first character that may be anything (`.`, a negated class): overlaps every other."""
_CATEGORIES = {sre.CATEGORY_WORD: "word", sre.CATEGORY_DIGIT: "digit", sre.CATEGORY_SPACE: "space"}
_IN_CATEGORY = {"word": str.isalnum, "digit": str.isdigit, "space": str.isspace}


def _class_chars(av: Any) -> set[object]:
    """A character class's first characters: its literals, its categories by name."""
    found: set[object] = set()
    for op, value in av:
        if op is sre.LITERAL:
            found.add(chr(value).casefold())
        elif op is sre.RANGE and value[1] - value[0] < 128:
            found |= {chr(c).casefold() for c in range(value[0], value[1] + 1)}
        elif op is sre.CATEGORY and value in _CATEGORIES:
            found.add(_CATEGORIES[value])
        else:  # a negated class, a wide range, a negated category
            return {_ANY_START}
    return found


def _children(op: Any, av: Any) -> list[Sequence[Any]]:
    """The sub-patterns directly under one node of `re._parser`'s tree."""
    if op in _REPEATS:
        return [av[2]]
    if op is sre.SUBPATTERN:
        return [av[3]]
    if op is sre.BRANCH:
        return list(av[1])
    if op is sre.ATOMIC_GROUP:
        return [av]
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return [av[1]]
    return []


def _has_variable_repeat(items: Sequence[Any]) -> bool:
    """Whether `items` holds a quantifier that can match more than once, a varying number of
    times (`+`, `*`, `{1,5}`; not `?` nor `{3}`)."""
    for op, av in items:
        if op in _REPEATS and av[1] > 1 and av[0] != av[1]:
            return True
        if any(_has_variable_repeat(child) for child in _children(op, av)):
            return True
    return False


def _first_chars(items: Sequence[Any]) -> set[object]:
    """What the first character of a match of `items` can be: literal characters (case
    folded), or `_ANY_START` for anything else; nothing when `items` can match nothing."""
    items = list(items)
    for index, (op, av) in enumerate(items):
        if op is sre.AT or op in (sre.ASSERT, sre.ASSERT_NOT):
            continue  # zero-width: the next item starts the match
        if op is sre.LITERAL:
            return {chr(av).casefold()}
        if op is sre.SUBPATTERN:
            first = _first_chars(av[3])
        elif op is sre.BRANCH:
            first = set().union(*(_first_chars(branch) for branch in av[1]))
        elif op in _REPEATS:
            first = _first_chars(av[2])
        elif op is sre.IN:
            first = _class_chars(av)
        else:
            return {_ANY_START}
        if _optional((op, av)):  # may match nothing: what follows may start the match too
            first |= _first_chars(items[index + 1 :])
        return first
    return set()


def _optional(node: tuple[Any, Any]) -> bool:
    """Whether a node can match the empty text (a `?`/`*` quantifier, an empty alternative)."""
    op, av = node
    if op in _REPEATS:
        return bool(av[0] == 0) or all(_optional(n) for n in av[2])
    if op is sre.SUBPATTERN:
        return all(_optional(n) for n in av[3])
    if op is sre.BRANCH:
        return any(all(_optional(n) for n in branch) for branch in av[1])
    return op is sre.AT or op in (sre.ASSERT, sre.ASSERT_NOT)


def _overlap(one: set[object], other: set[object]) -> bool:
    """Whether two first-character sets can hold the same character."""
    if not one or not other:
        return False
    if one & other or _ANY_START in one | other:
        return True
    for first, second in ((one, other), (other, one)):
        for name in first & _IN_CATEGORY.keys():
            test = _IN_CATEGORY[str(name)]
            if any(c not in _IN_CATEGORY and (test(str(c)) or (name == "word" and c == "_"))
                   for c in second):  # fmt: skip
                return True
    return bool({"word", "digit"} <= one | other)


def _flat(items: Sequence[Any]) -> list[tuple[Any, Any]]:
    """`items` with its groups opened: the sequence one iteration of a repeat walks."""
    flat: list[tuple[Any, Any]] = []
    for op, av in items:
        if op is sre.SUBPATTERN:
            flat += _flat(av[3])
        else:
            flat.append((op, av))
    return flat


def _ambiguous(body: Sequence[Any]) -> bool:
    """Whether one iteration of a repeated `body` can split the same text in more than one
    way: two alternatives that can start alike (`(a|aa)+`), or an optional part that can
    start like what follows it, the next iteration included (`(aa?)+`)."""
    flat = _flat(body)
    for index, (op, av) in enumerate(flat):
        if op is sre.BRANCH:
            seen: set[object] = set()
            for branch in av[1]:
                first = _first_chars(branch)
                if _overlap(first, seen):
                    return True
                seen |= first
            if any(_ambiguous(branch) for branch in av[1]):
                return True
        if _optional((op, av)):
            follow = _first_chars(flat[index + 1 :] + flat)  # then the next iteration
            if _overlap(_first_chars([(op, av)]), follow):
                return True
    return False


def _adjacent_repeats(items: Sequence[Any]) -> bool:
    """Whether two quantifiers over the same characters follow each other with nothing
    required between them (`.*.*`, `[\\w ]*[\\w ]*`): each way of sharing the text between
    them is tried, polynomially many on a long turn."""
    flat = _flat(items)
    for index, (op, av) in enumerate(flat):
        if not (op in _REPEATS and av[1] > 1 and av[0] != av[1]):
            continue
        first = _first_chars(av[2])
        for later_op, later_av in flat[index + 1 :]:
            varies = later_op in _REPEATS and later_av[1] > 1 and later_av[0] != later_av[1]
            if varies and _overlap(first, _first_chars(later_av[2])):
                return True
            if not _optional((later_op, later_av)):
                break
    return False


def runaway_shape(expression: str) -> str | None:
    """Why `expression` can take a very long time to fail on a long turn, or None.

    The shapes behind catastrophic backtracking (OWASP, "Regular expression Denial of
    Service"): a quantifier inside a repeated group (`(\\w+\\s?)+`, `(.*)*`), a repeated
    group one iteration of which can match the same text in two ways (alternatives that can
    start alike, `(a|aa)+`; an optional part that can start like what follows it, `(aa?)+`),
    quantifiers over the same characters side by side (`.*.*`, polynomial rather than
    exponential), and backreferences. Conservative: a harmless expression of these shapes is
    refused too, and can always be written without them (a character class, `(very )?`, one
    quantifier)."""
    try:
        tree = _parser.parse(expression, re.IGNORECASE)
    except re.error:
        return None  # `re.compile` reports it

    def walk(items: Sequence[Any]) -> str | None:
        if _adjacent_repeats(items):
            return "two quantifiers over the same characters side by side, such as .*.*"
        for op, av in items:
            if op in (sre.GROUPREF, sre.GROUPREF_EXISTS):
                return "a backreference"
            if op in _REPEATS and av[1] > 1:
                if _has_variable_repeat(av[2]):
                    return "a quantifier inside a repeated group, such as (\\w+ )+"
                if _ambiguous(av[2]):
                    return (
                        "a repeated group that can split the same words more than one way, "
                        "such as (a|aa)+ or (aa?)+"
                    )
            for child in _children(op, av):
                found = walk(child)
                if found:
                    return found
        return None

    return walk(list(tree))


def _expression(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise EvidenceConfigError(f"{where} must be a string (a phrase or regular expression)")
    text = value.strip()
    if not text:
        raise EvidenceConfigError(f"{where} is blank")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise EvidenceConfigError(
            f"{where} is {len(text)} characters; at most {MAX_EXPRESSION_CHARS}"
        )
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise EvidenceConfigError(f"{where} contains control characters")
    try:
        compiled = re.compile(text, re.IGNORECASE)
    except (re.error, OverflowError, RecursionError) as error:
        raise EvidenceConfigError(
            f"{where} {text!r} is not a valid regular expression: {error}"
        ) from None
    if compiled.fullmatch("") is not None:  # "a*", "(x)?": would support every turn
        raise EvidenceConfigError(f"{where} {text!r} matches an empty text, so it matches anything")
    runaway = runaway_shape(text)
    if runaway is not None:
        raise EvidenceConfigError(
            f"{where} {text!r} has {runaway}: it can backtrack catastrophically on a long "
            "turn (minutes of CPU); write it without that shape"
        )
    return text


def _expressions(where: str, value: Any, *, limit: int = MAX_EXPRESSIONS) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise EvidenceConfigError(f"{where} must be a non-empty list of expressions")
    if len(value) > limit:
        raise EvidenceConfigError(f"{where} has {len(value)} expressions; at most {limit}")
    return tuple(dict.fromkeys(_expression(f"{where}[{i}]", v) for i, v in enumerate(value)))


def parse_keywords(data: Any) -> Mapping[str, tuple[str, ...]]:
    """A `keywords` config: item name → its expressions (raises EvidenceConfigError)."""
    if not isinstance(data, dict) or not data:
        raise EvidenceConfigError(
            'keywords must be a JSON object: {"<topic or action>": ["<phrase>", ...], ...}'
        )
    if len(data) > MAX_KEYWORD_ITEMS:
        raise EvidenceConfigError(f"keywords has {len(data)} items; at most {MAX_KEYWORD_ITEMS}")
    parsed: dict[str, tuple[str, ...]] = {}
    seen: dict[str, str] = {}
    for name, expressions in data.items():
        item = name.strip()
        if not item:
            raise EvidenceConfigError("keywords has a blank item name")
        if item.casefold() in seen:
            raise EvidenceConfigError(
                f"keywords[{item!r}] duplicates keywords[{seen[item.casefold()]!r}]"
            )
        seen[item.casefold()] = item
        parsed[item] = _expressions(f"keywords[{item!r}]", expressions)
    return MappingProxyType(parsed)


def parse_compliance(data: Any) -> ComplianceOptions:
    """A `compliance` config as options (raises EvidenceConfigError)."""
    if not isinstance(data, dict):
        raise EvidenceConfigError(
            'compliance must be a JSON object with any of "rules" (or "disabled_rules"), '
            + ", ".join(f'"{k}"' for k in WORDING_KEYS)
        )
    unknown = sorted(set(data) - set(COMPLIANCE_KEYS))
    if unknown:
        raise EvidenceConfigError(
            f"compliance has unknown keys {unknown}; allowed: {', '.join(COMPLIANCE_KEYS)}"
        )
    if "rules" in data and "disabled_rules" in data:
        raise EvidenceConfigError('compliance takes "rules" or "disabled_rules", not both')
    rules = frozenset(RULES)
    for key in ("rules", "disabled_rules"):
        if key not in data:
            continue
        names = data[key]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise EvidenceConfigError(f"compliance.{key} must be a list of rule names")
        unknown_rules = sorted({n.strip() for n in names} - set(RULES))
        if unknown_rules:
            raise EvidenceConfigError(
                f"compliance.{key} has unknown rules {unknown_rules}; known: {sorted(RULES)}"
            )
        chosen = frozenset(n.strip() for n in names)
        rules = chosen if key == "rules" else rules - chosen
    options = ComplianceOptions(rules=rules)
    if "gift_aid_wording" in data:
        groups = data["gift_aid_wording"]
        if not isinstance(groups, list) or not groups:
            raise EvidenceConfigError(
                "compliance.gift_aid_wording must be a non-empty list of groups, each a list of "
                "alternative expressions (one of each group must be said)"
            )
        if len(groups) > MAX_GROUPS:
            raise EvidenceConfigError(
                f"compliance.gift_aid_wording has {len(groups)} groups; at most {MAX_GROUPS}"
            )
        wording = tuple(
            _expressions(f"compliance.gift_aid_wording[{i}]", group)
            for i, group in enumerate(groups)
        )
        options = replace(options, gift_aid_wording=wording)
    if "data_protection_phrases" in data:
        given = data["data_protection_phrases"]
        phrases = _expressions("compliance.data_protection_phrases", given)
        options = replace(options, data_protection_phrases=phrases)
    if "vulnerability_cues" in data:
        cues = _expressions(
            "compliance.vulnerability_cues", data["vulnerability_cues"], limit=2 * MAX_EXPRESSIONS
        )
        options = replace(options, vulnerability_cues=cues)
    return options


def keywords_json(keywords: Mapping[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """The normalised JSON of a `keywords` config (as stored)."""
    return {item: list(expressions) for item, expressions in keywords.items()}


def compliance_json(data: Mapping[str, Any], options: ComplianceOptions) -> dict[str, Any]:
    """The normalised JSON of a `compliance` config: the keys given, stripped and checked."""
    out: dict[str, Any] = {}
    for key in ("rules", "disabled_rules"):
        if key in data:
            out[key] = sorted({str(n).strip() for n in data[key]})
    if "gift_aid_wording" in data:
        out["gift_aid_wording"] = [list(group) for group in options.gift_aid_wording]
    if "data_protection_phrases" in data:
        out["data_protection_phrases"] = list(options.data_protection_phrases)
    if "vulnerability_cues" in data:
        out["vulnerability_cues"] = list(options.vulnerability_cues)
    return out
