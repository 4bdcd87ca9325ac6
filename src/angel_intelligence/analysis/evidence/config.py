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
or rule, a wrong shape, an expression that does not compile or that matches nothing at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
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


class EvidenceConfigError(ValueError):
    """A `keywords` or `compliance` config is not valid; the message names the field."""


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
