"""The README's two commands: they stay first, their Make targets run what they say, and the main
job (`angel demo`) really processes a call on the embedded default (it runs here, in CI).

`make test-isa` runs the demo under every CTranslate2 kernel: what it finds (the PII, the
speakers) must not depend on the kernel, only the model's prose may (issue 20)."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from clikit import run_angel
from dbkit import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()


def test_the_readme_starts_with_the_two_commands() -> None:
    commands = re.findall(r"^(make \w+)", README.split("```bash", 1)[1].split("```", 1)[0], re.M)
    assert commands[:2] == ["make run", "make test"]


def test_make_run_is_the_demo_and_make_test_is_what_ci_runs() -> None:
    run = subprocess.run(
        ["make", "-n", "run"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "angel demo" in run
    test = subprocess.run(
        ["make", "-n", "test"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "pytest" in test and "ensure-mariadb.sh" in test
    assert "make test" in (REPO_ROOT / ".ci" / "run").read_text()


@pytest.mark.models
@pytest.mark.slow
def test_the_demo_processes_its_call_end_to_end(tmp_path: Path) -> None:
    result = run_angel("demo", "--keep", "--dir", "kept", cwd=tmp_path, timeout=1200)
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    assert "completed" in out
    for heading in (
        "Transcript",
        "PII found",
        "Redacted transcript",
        "Analysis",
        "Where the data is",
    ):
        assert heading in out
    assert "[CARD_NUMBER]" in out and "4539 1488" not in out
    kept = tmp_path / "kept"
    assert (kept / "angel.sqlite3").exists()
    assert list((kept / "storage").rglob("*.wav")), "the redacted audio is kept"
    assert not list((kept / "temp").rglob("*.wav")), "no working files are left"
    with sqlite3.connect(kept / "angel.sqlite3") as db:
        found, bleeps, segments = db.execute(
            "SELECT pii_detected, audio_redactions, segments FROM ai_call_transcriptions"
        ).fetchone()
    # the supporter's mobile, postcode and card (testing/call_scripts.demo_call), whatever kernel
    assert sorted({item["type"] for item in json.loads(found)}) == [
        "credit_card", "phone_number", "postcode",
    ]  # fmt: skip
    assert {"finding", "question_window"} <= {b["reason"] for b in json.loads(bleeps)}
    speakers = [segment["speaker"] for segment in json.loads(segments)]
    assert speakers[0] == "agent" and "supporter" in speakers
