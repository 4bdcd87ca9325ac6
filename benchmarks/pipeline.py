"""The whole pipeline on one worker: seconds per stage, real-time factor, calls per hour, memory.

A two-speaker call of about five minutes is synthesised (espeak-ng voices, 8 kHz GSM) and
served by the local PBX stub over HTTP; a pending row is inserted the way Pulse does (with
`retain_audio`, so the redacted audio is written too); the real worker (`angel worker --once`
on the embedded default: SQLite, local storage, bundled Whisper tiny.en, resemblyzer and
SmolLM2-135M) processes it. A short call is processed first to warm every model, so the
figures are a running worker's, not a cold start's (model load is printed apart).

- seconds per stage, from the pipeline's stage hook (the same one the demo's progress uses);
  "claim, save, clean up" is the rest of the job's wall time;
- RTF = job seconds / audio seconds; calls per hour = 3600 / job seconds, for calls like it;
- peak RSS of the worker process (models, both calls and everything else).

    PYTHONPATH=src python benchmarks/pipeline.py [--minutes 5] [--config demo|default]

`--config demo` (the default) analyses with the demo client's short config; `default` uses the
full bundled call_analysis_config.json, whose longer prompt costs the 135M model more time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sqlalchemy import select
from sqlalchemy.orm import Session

from angel_intelligence import bootstrap
from angel_intelligence.db import schema
from angel_intelligence.db.models import AiCallRecording, AiClientConfig
from angel_intelligence.db.results import read_call_rows
from angel_intelligence.demo import CLIENT_CONFIG, demo_settings
from angel_intelligence.logging import LoggingOptions, configure_logging
from angel_intelligence.settings import Settings
from angel_intelligence.testing.call_scripts import long_call, two_party_call
from angel_intelligence.testing.pbx_stub import PbxStub
from angel_intelligence.testing.speech import synthesise_call

WARM_UP_APEX = "1737123400.1"
CALL_APEX = "1737123456.2"
CLIENT_REF = "BENCH"
STAGES = (
    "config", "fetch", "convert", "transcribe", "diarize", "identify_speakers", "redact",
    "analyse", "redact_audio", "retain",
)  # fmt: skip


class StageClock:
    """The pipeline's listener: seconds per stage of the call being processed."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.failed: list[str] = []
        self._started: dict[str, float] = {}

    def __call__(self, stage: str, event: str) -> None:
        if event == "started":
            self._started[stage] = time.perf_counter()
            return
        self.seconds[stage] += time.perf_counter() - self._started.pop(stage)
        if event == "failed":
            self.failed.append(stage)

    def reset(self) -> None:
        self.seconds.clear()
        self.failed.clear()


def queue_call(settings: Settings, apex_id: str, config: str) -> None:
    engine = bootstrap.build_database(settings)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with Session(engine) as session, session.begin():
        if config == "demo" and not session.scalars(select(AiClientConfig)).first():
            for config_type, data in CLIENT_CONFIG.items():
                session.add(
                    AiClientConfig(
                        client_ref=CLIENT_REF, config_type=config_type, config_data=data,
                        is_active=True,
                    )
                )  # fmt: skip
        session.add(AiCallRecording(
            apex_id=apex_id, client_ref=CLIENT_REF, campaign="Benchmark", halo_id=1001,
            agent_name="Sarah", direction="inbound", retain_audio=True,
            processing_status="pending", uploaded_at=now, created_at=now, updated_at=now,
        ))  # fmt: skip
    engine.dispose()


def outcome(settings: Settings, apex_id: str) -> tuple[str, str | None, bool]:
    engine = bootstrap.build_database(settings)
    rows = read_call_rows(engine, apex_id)
    engine.dispose()
    recording = rows.recording
    return recording["processing_status"], recording["processing_error"], rows.analysis is not None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the call")
    parser.add_argument("--config", choices=("demo", "default"), default="demo")
    args = parser.parse_args()
    configure_logging(LoggingOptions(level="WARNING"))  # the table, not job logs

    with tempfile.TemporaryDirectory(prefix="angel-bench-") as tmp:
        directory = Path(tmp)
        started = time.perf_counter()
        warm_up = synthesise_call(two_party_call(), directory / "pbx", name=WARM_UP_APEX)
        call = synthesise_call(
            long_call(args.minutes * 60), directory / "pbx", name=CALL_APEX, noise_snr_db=25
        )
        print(f"synthesised the calls in {time.perf_counter() - started:.0f} s", file=sys.stderr)

        with PbxStub() as pbx:
            pbx.add_recording(WARM_UP_APEX, warm_up.gsm_path.read_bytes())
            pbx.add_recording(CALL_APEX, call.gsm_path.read_bytes())
            settings = demo_settings(
                Settings(_env_file=None), directory, pbx.recording_url, pbx.archive_url
            )
            engine = bootstrap.build_database(settings)
            schema.upgrade(engine)
            clock = StageClock()
            started = time.perf_counter()
            pipeline = bootstrap.build_call_pipeline(settings, engine, listener=clock)
            load_s = time.perf_counter() - started
            worker = bootstrap.build_worker(settings, pipeline, engine)

            queue_call(settings, WARM_UP_APEX, args.config)
            started = time.perf_counter()
            worker.run(once=True)
            warm_up_s = time.perf_counter() - started
            warm_up_status = outcome(settings, WARM_UP_APEX)

            clock.reset()
            queue_call(settings, CALL_APEX, args.config)
            started = time.perf_counter()
            worker.run(once=True)
            job_s = time.perf_counter() - started
            status, error, analysed = outcome(settings, CALL_APEX)
            engine.dispose()

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    audio_s = call.duration_s
    print(f"\nPipeline benchmark: {audio_s:.0f} s two-speaker call, {args.config} config")
    print(
        f"CPU: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
        "device: CPU (Whisper tiny.en int8; SmolLM2-135M on transformers with llguidance)"
    )
    print(f"model load {load_s:.1f} s; warm-up call ({warm_up.duration_s:.0f} s audio) "
          f"{warm_up_s:.1f} s, {warm_up_status[0]}")  # fmt: skip
    print(f"\n| {'stage':<26} | {'seconds':>8} | {'share':>6} |")
    print(f"|{'-' * 28}|{'-' * 10}|{'-' * 8}|")
    for stage in STAGES:
        seconds = clock.seconds.get(stage, 0.0)
        print(f"| {stage:<26} | {seconds:8.2f} | {seconds / job_s:6.1%} |")
    rest = job_s - sum(clock.seconds.values())
    print(f"| {'claim, save, clean up':<26} | {rest:8.2f} | {rest / job_s:6.1%} |")
    print(f"| {'job (end to end)':<26} | {job_s:8.2f} | {1:6.1%} |")
    print(f"\noutcome: {status}{f' ({error})' if error else ''}; analysis saved: {analysed}")
    if clock.failed:
        print(f"failed stages: {', '.join(clock.failed)}")
    print(f"real-time factor: {job_s / audio_s:.3f}")
    print(f"calls per hour per worker (calls like this one): {3600 / job_s:.1f}")
    print(f"audio hours per hour per worker: {audio_s / job_s:.1f}")
    print(f"peak memory (RSS of the worker process): {peak_mb:.0f} MB")
    return 0 if status == "completed" else 1


if __name__ == "__main__":
    raise SystemExit(main())
