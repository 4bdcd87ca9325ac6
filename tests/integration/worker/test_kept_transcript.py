"""The transcript is kept when the analysis fails, and a retry analyses it (issue 16, decision 47).

One two-party call, synthesised and served by the PBX stub over HTTP, processed by the real
worker on the real MariaDB with the real pipeline (Whisper tiny.en, resemblyzer, the PII
detector). Its analysis model is the spec's mock model behind a switch the test turns: while
"down", every generation fails, as a model server that is down would.

1. Attempt 1 (of `MAX_RETRIES` = 2): the analysis fails; the call is `failed` with
   ANALYSIS_FAILED and a retry scheduled, and its transcription row (redacted, speaker-labelled)
   is stored with the failure, with no analysis row.
2. Attempt 2, once due: the stored transcript is analysed again (nothing downloaded or
   transcribed); it fails again, now permanently, and the transcript is still there.
3. A forced re-run with the model back: only the analysis runs, on the stored redacted segments
   and their speaker labels; the call completes with the speaker metrics of both roles.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from angel_intelligence import bootstrap
from angel_intelligence.db.results import read_call_rows
from angel_intelligence.testing import call_scripts
from angel_intelligence.testing.pbx_stub import PbxStub
from angel_intelligence.testing.speech import synthesise_call
from angel_intelligence.worker import Worker, WorkerConfig
from dbkit import TestDatabase
from queue_helpers import add_recording, make_queue, move_time_forward, row
from real_pipeline import CountingTranscriber, RecordingModel, real_pipeline

pytestmark = [pytest.mark.mariadb, pytest.mark.models]

APEX_ID = "1737123456.201"


def test_a_failed_analysis_keeps_the_transcript_and_a_retry_analyses_only(
    mariadb: TestDatabase, tmp_path: Path
) -> None:
    call = synthesise_call(call_scripts.two_party_call(), tmp_path / "pbx", name=APEX_ID)
    with PbxStub() as pbx:
        pbx.add_recording(APEX_ID, call.gsm_path.read_bytes())
        settings = mariadb.settings(
            pbx_recording_url=pbx.recording_url,
            pbx_archive_url=pbx.archive_url,
            download_retry_backoff_seconds=0.05,
            temp_dir=tmp_path / "temp",
            local_storage_path=tmp_path / "storage",
            models_base_path=tmp_path / "models",
        )
        model = RecordingModel(down=True)
        transcriber = CountingTranscriber(bootstrap.build_transcriber(settings))
        pipeline = real_pipeline(settings, mariadb.engine, model, transcriber=transcriber)
        queue = make_queue(mariadb.engine, max_retries=2, worker_id="kept-worker")
        config = WorkerConfig(
            worker_id="kept-worker", poll_interval_s=1, max_concurrent_jobs=1, heartbeat_s=5,
            lease_s=60, shutdown_grace_s=5, job_timeout_s=600, temp_dir=tmp_path / "temp",
        )  # fmt: skip

        def run_once() -> None:
            assert Worker(queue, pipeline, config).run(once=True) == 0

        recording_id = add_recording(mariadb.engine, APEX_ID, halo_id=1001, agent_name="Sarah")

        # 1. The analysis fails on the first attempt: the transcript is kept, a retry is due.
        run_once()
        first = row(mariadb.engine, recording_id)
        assert first.processing_status == "failed"
        assert first.processing_error.startswith("ANALYSIS_FAILED: ")
        assert first.next_retry_at is not None and first.retry_count == 1
        assert first.duration_seconds is not None and first.duration_seconds > 10
        rows = read_call_rows(mariadb.engine, APEX_ID)
        assert rows.analysis is None
        kept = rows.transcription
        assert kept is not None
        assert "Margaret" in kept["full_transcript"] or "Leeds" in kept["full_transcript"]
        speakers = {s["speaker"] for s in kept["redacted_segments"]}
        assert "supporter" in speakers and speakers & {"agent", "agent_unknown"}
        downloads = len(pbx.requests)
        assert transcriber.calls == 1 and model.calls == 1

        # 2. The retry, once due, analyses the kept transcript only, and fails for good.
        move_time_forward(mariadb.engine, recording_id)
        run_once()
        second = row(mariadb.engine, recording_id)
        assert (second.processing_status, second.retry_count) == ("failed", 2)
        assert second.next_retry_at is None
        assert second.processing_error.startswith("ANALYSIS_FAILED: ")
        assert model.calls == 2
        assert transcriber.calls == 1 and len(pbx.requests) == downloads
        again = read_call_rows(mariadb.engine, APEX_ID)
        assert again.analysis is None
        assert again.transcription is not None
        assert again.transcription["redacted_segments"] == kept["redacted_segments"]

        # 3. Forced, with the model back: only the analysis runs, and the call completes.
        model.down = False
        assert queue.request_processing(APEX_ID, force=True).queued
        run_once()
        done = row(mariadb.engine, recording_id)
        assert done.processing_status == "completed" and done.processing_error is None
        assert transcriber.calls == 1 and len(pbx.requests) == downloads
        final = read_call_rows(mariadb.engine, APEX_ID)
        assert final.transcription is not None and final.analysis is not None
        assert final.transcription["segments"] == kept["segments"]
        metrics = final.analysis["speaker_metrics"]
        assert metrics["agent"]["talk_time_seconds"] > 0
        assert metrics["supporter"]["talk_time_seconds"] > 0
        # the model read the stored redacted transcript, speaker labels included
        prompt = model.last_messages[-1]["content"]
        assert "Supporter:" in prompt and "Agent:" in prompt
