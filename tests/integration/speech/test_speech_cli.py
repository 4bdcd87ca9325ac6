"""`angel transcribe` and `angel voices`: in this process (CliRunner) and as a user runs them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from angel_intelligence.cli import app
from angel_intelligence.testing import call_scripts
from angel_intelligence.testing.speech import Line, SyntheticCall, synthesise_call
from clikit import run_angel

pytestmark = [pytest.mark.models, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[3]


def angel(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    extra = {
        "OMP_NUM_THREADS": "1",  # two test processes share two cores
        "ORGANISATION_NAMES": call_scripts.ORGANISATION,
    }
    return run_angel(*args, cwd=cwd, env={**extra, **(env or {})}, timeout=600)


def invoke(*args: str, cwd: Path) -> str:
    """Run the command in this process (the models load in about a second here)."""
    database = cwd / "data" / "angel.sqlite3"  # where `angel db upgrade` in `cwd` puts it
    env = {"ORGANISATION_NAMES": call_scripts.ORGANISATION, "AI_DB_SQLITE_PATH": str(database)}
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.stdout


def test_transcribe_prints_the_segments_json_with_speakers(
    two_party_call: SyntheticCall, tmp_path: Path
) -> None:
    segments = json.loads(invoke("transcribe", str(two_party_call.gsm_path), cwd=tmp_path))
    assert {s["speaker"] for s in segments} == {"agent_unknown", "supporter"}  # no halo_id
    assert segments[0]["speaker_id"] == "agent_unknown"
    assert all(s["words"] for s in segments)
    assert not (tmp_path / "data").exists()  # no database was created to look for voices


def test_transcribe_full_has_every_field(two_party_call: SyntheticCall, tmp_path: Path) -> None:
    shown = json.loads(
        invoke(
            "transcribe", "--full", "--halo-id", "31", str(two_party_call.wav_path), cwd=tmp_path
        )
    )
    assert {
        "full_transcript", "segments", "language_detected", "confidence_score", "model_used",
        "processing_time_seconds", "speakers", "handovers", "speaker_metrics", "duration_seconds",
    } <= set(shown)  # fmt: skip
    assert shown["duration_seconds"] >= shown["segments"][-1]["end"]
    assert shown["model_used"] == "whisper-tiny.en"
    assert {s["speaker_id"] for s in shown["speakers"]} == {"agent_31", "supporter"}
    assert shown["speaker_metrics"]["agent"]["talk_time_seconds"] > 5


def test_transcribe_refuses_a_file_that_is_not_audio(tmp_path: Path) -> None:
    page = tmp_path / "1737123456.12345.gsm"
    page.write_text("<html><body>Not Found</body></html>")
    result = angel("transcribe", str(page), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "angel: error: INVALID_AUDIO: 1737123456.12345.gsm: the file is text (an HTML or JSON "
        "page?), not audio"
    ]


def test_voices_enrol_then_list_then_refuse_a_two_voice_clip(
    speech_dir: Path, two_party_call: SyntheticCall, tmp_path: Path
) -> None:
    clips = [
        synthesise_call(
            [Line("agent_b", call_scripts.enrolment_text(i))], speech_dir, name=f"cli_b{i}"
        ).wav_path
        for i in range(2)
    ]
    before = angel("voices", "list", cwd=tmp_path)
    assert before.returncode == 1
    assert "angel db upgrade" in before.stderr
    assert angel("db", "upgrade", cwd=tmp_path).returncode == 0
    database = str(tmp_path / "data" / "angel.sqlite3")

    enrolled = invoke(
        "voices",
        "enrol",
        "--halo-id",
        "1207",
        "--name",
        "James Hall",
        *map(str, clips),
        cwd=tmp_path,
    )
    assert (
        enrolled.strip()
        == "agent 1207 (James Hall): fingerprint from 2 samples (2 new), threshold 0.85"
    )

    listed = angel("voices", "list", "--json", cwd=tmp_path)
    (row,) = json.loads(listed.stdout)
    assert (row["halo_id"], row["agent_name"], row["sample_count"]) == (1207, "James Hall", 2)

    runner = CliRunner()
    refused = runner.invoke(
        app,
        [
            "voices",
            "enrol",
            "--halo-id",
            "1208",
            "--name",
            "Two Voices",
            str(two_party_call.gsm_path),
        ],
        env={"AI_DB_SQLITE_PATH": database},
    )
    assert refused.exit_code == 1
    assert "2 voices in the clip" in refused.output
    (still,) = json.loads(angel("voices", "list", "--json", cwd=tmp_path).stdout)
    assert still["halo_id"] == 1207
