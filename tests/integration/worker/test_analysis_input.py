"""`angel analyse` and the worker give the same analysis for the same segments (issue 16).

A two-party call, synthesised and served by the PBX stub, is processed by the real worker on
MariaDB with the real speech stages and the spec's mock analysis model. Its stored segments and
its length are then given to `angel analyse` (a child process with `USE_MOCK_MODELS=true`, the
same database for the client configs; both grounded in evidence found by keywords, the mock
mode's way; the global keywords and compliance rows read by both): the analysis printed is
the stored one, speaker metrics of both roles included (before issue 16 the command passed no
metrics, so it had no `agent` entry), and the prompt the analysis stage sends for the file is
the worker's.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.client_config import ClientConfigResolver
from angel_intelligence.bootstrap import options as opts
from angel_intelligence.db.client_configs import ClientConfigRepository
from angel_intelligence.db.engine import session_factory
from angel_intelligence.db.models import AiClientConfig
from angel_intelligence.db.results import read_call_rows
from angel_intelligence.pipeline.convert import convert_recording
from angel_intelligence.services.analysis import AnalysisService
from angel_intelligence.testing import call_scripts
from angel_intelligence.testing.pbx_stub import PbxStub
from angel_intelligence.testing.speech import synthesise_call
from angel_intelligence.worker import Worker, WorkerConfig
from clikit import run_angel
from dbkit import TestDatabase
from queue_helpers import add_recording, make_queue, row
from real_pipeline import RecordingModel, real_pipeline

pytestmark = [pytest.mark.mariadb, pytest.mark.models]

APEX_ID = "1737123456.301"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_the_cli_gives_the_worker_s_analysis_for_the_worker_s_segments(
    mariadb: TestDatabase, tmp_path: Path
) -> None:
    # Global evidence settings (issue 16): both must read them the same way.
    with Session(mariadb.engine) as session, session.begin():
        session.add_all([
            AiClientConfig(client_ref=None, config_type="keywords",
                           config_data={"Mission information request": ["calling"]}),
            AiClientConfig(client_ref=None, config_type="compliance",
                           config_data={"disabled_rules": ["card_read_back"]}),
        ])  # fmt: skip
    call = synthesise_call(call_scripts.two_party_call(), tmp_path / "pbx", name=APEX_ID)
    with PbxStub() as pbx:
        pbx.add_recording(APEX_ID, call.gsm_path.read_bytes())
        settings = mariadb.settings(
            pbx_recording_url=pbx.recording_url,
            pbx_archive_url=pbx.archive_url,
            temp_dir=tmp_path / "temp",
            local_storage_path=tmp_path / "storage",
            models_base_path=tmp_path / "models",
        )
        worker_model = RecordingModel()
        pipeline = real_pipeline(settings, mariadb.engine, worker_model, max_reprompts=3)
        queue = make_queue(mariadb.engine, worker_id="input-worker")
        config = WorkerConfig(
            worker_id="input-worker", poll_interval_s=1, max_concurrent_jobs=1, heartbeat_s=5,
            lease_s=60, shutdown_grace_s=5, job_timeout_s=600, temp_dir=tmp_path / "temp",
        )  # fmt: skip
        recording_id = add_recording(mariadb.engine, APEX_ID)
        assert Worker(queue, pipeline, config).run(once=True) == 0
    assert row(mariadb.engine, recording_id).processing_status == "completed"
    stored = read_call_rows(mariadb.engine, APEX_ID)
    assert stored.transcription is not None and stored.analysis is not None

    # The file `angel transcribe --full` would print: the segments and the call's length.
    duration_s = convert_recording(call.gsm_path, tmp_path, timeout_s=60).duration_s
    segments_file = tmp_path / "call.json"
    segments_file.write_text(
        json.dumps({"segments": stored.transcription["segments"], "duration_seconds": duration_s})
    )
    env = {"USE_MOCK_MODELS": "true", **mariadb.env()}
    printed = run_angel(
        "analyse", str(segments_file), "--call-date", "2025-01-17", cwd=tmp_path, env=env
    )
    assert printed.returncode == 0, printed.stderr
    from_cli = json.loads(printed.stdout)

    saved = _plain(stored.analysis)
    sources = saved["audio_analysis"]["config_sources"]
    assert sources["keywords"].startswith("global:") and sources["compliance"].startswith("global:")
    metrics = from_cli["speaker_metrics"]
    assert metrics["agent"]["talk_time_seconds"] > 5
    assert metrics["supporter"]["talk_time_seconds"] > 3
    assert set(metrics["agent"]) >= {"interruptions", "average_pace_wpm", "silence_percentage"}
    assert metrics == saved["speaker_metrics"]
    timings = ("processing_time_seconds", "evidence_seconds")
    for name, value in from_cli.items():
        if name == "audio_analysis":
            value = {k: v for k, v in value.items() if k not in timings}
            assert value == {k: v for k, v in saved[name].items() if k not in timings}
        elif name not in timings:
            assert _plain(value) == saved[name], name

    # The prompt for the file is the worker's, word for word.
    cli_model = RecordingModel()
    service = AnalysisService(
        ClientConfigResolver.from_options(
            opts.client_config_options(settings),
            ClientConfigRepository(session_factory(mariadb.engine)),
        ),
        CallAnalyser(cli_model, max_reprompts=3, grounded=True),
    )
    service.analyse_file(segments_file, call_date=dt.date(2025, 1, 17))
    assert cli_model.last_messages == worker_model.last_messages
    assert cli_model.last_schema == worker_model.last_schema
