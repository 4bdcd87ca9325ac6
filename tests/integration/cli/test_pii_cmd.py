"""`angel pii scan`: the JSON-lines contract of ARCHITECTURE.md §2, run as a real process."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from clikit import run_angel


def scan(
    lines: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_angel("pii", "scan", cwd=cwd, env=env, input="".join(line + "\n" for line in lines))


def test_scan_writes_spans_and_redacted_text_per_line(tmp_path: Path) -> None:
    text = "My NI number is AB123456C and my card is four nine five five, seven two two five, three nine one one, two oh two five."
    result = scan(
        [json.dumps({"id": 7, "text": text}), json.dumps({"text": "twenty five pounds"})], tmp_path
    )
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["id"] == 7 and first["text"] == text
    assert [s["type"] for s in first["spans"]] == ["national_insurance_number", "credit_card"]
    ni, card = first["spans"]
    assert set(ni) == {"type", "start_char", "end_char", "value", "redacted", "confidence"}
    assert text[ni["start_char"] : ni["end_char"]] == "AB123456C" and ni["value"] == "AB123456C"
    assert text[card["start_char"] : card["end_char"]].startswith("four nine five five")
    assert card["value"] == "**** **** **** 2025" and card["redacted"] == "[CARD_NUMBER]"
    assert first["redacted_text"] == "My NI number is [NI_NUMBER] and my card is [CARD_NUMBER]."
    assert second == {
        "text": "twenty five pounds",
        "spans": [],
        "redacted_text": "twenty five pounds",
    }


def test_bad_lines_are_reported_with_their_number_and_the_rest_still_scanned(
    tmp_path: Path,
) -> None:
    result = scan(["not json", json.dumps({"text": 5}), json.dumps({"text": "SW1A 1AA"})], tmp_path)
    assert result.returncode == 1
    assert "line 1: not JSON" in result.stderr and "line 2: expected" in result.stderr
    [only] = [json.loads(line) for line in result.stdout.splitlines()]
    assert only["redacted_text"] == "[POSTCODE]"


def test_the_policy_decides_what_values_are_shown(tmp_path: Path) -> None:
    line = json.dumps({"text": "NI AB123456C"})
    strict = json.loads(scan([line], tmp_path, {"PII_POLICY": "strict"}).stdout)
    assert strict["spans"][0]["value"] == "********"
    clear = json.loads(
        scan(
            [json.dumps({"text": "card 4955 7225 3911 2025"})], tmp_path, {"PII_POLICY": "clear"}
        ).stdout
    )
    assert clear["spans"][0]["value"] == "4955722539112025"


def test_help_lists_the_pii_group(tmp_path: Path) -> None:
    result = run_angel("--help", cwd=tmp_path, timeout=60)
    assert "pii" in result.stdout
