"""`angel demo`: the whole product on the embedded default, in one command.

It plays both sides of the contract with Pulse: a local PBX stub serves a synthetic call (made
with espeak-ng and SoX), a pending row is inserted into `ai_call_recordings` the way Pulse does,
and a real worker processes it with the bundled models (Whisper tiny.en, resemblyzer,
SmolLM2-135M): download with fallbacks, SoX, transcription, speakers, PII, analysis, redacted
audio kept in local storage. Nothing here is a shortcut: it is `angel worker --once` on SQLite.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from angel_intelligence import bootstrap
from angel_intelligence.settings import Settings

APEX_ID = "1737123456.12345"  # 17/01/2025: the archive layout is found from the apex id alone
CLIENT_REF = "DEMO"
# A client's own config, as Pulse's config screen would save it (ai_client_configs): a short
# list keeps the prompt small enough for the bundled 135M model on a laptop CPU.
CLIENT_CONFIG: dict[str, Any] = {
    "topics": [
        "Regular giving signup",
        "Upgrade/downgrade of monthly donation",
        "Donation completion/payment processing",
        "Email/phone update",
        "Address update/change of details",
        "PCI/Payment compliance discussion",
        "General admin/enquiry",
    ],
    "agent_actions": [
        "Greeted supporter",
        "Verified supporter identity",
        "Updated email/phone",
        "Recorded donation details",
        "Processed donation payment",
        "Thanked supporter for their time",
    ],
    "performance_rubric": [
        "Clarity of speech",
        "Empathy & rapport",
        "Payment and data protection compliance",
        "Effective closing",
    ],
}

Progress = Callable[[str, str], None]
"""Told `(step, "started" | "finished" | "failed")`."""


@dataclass(frozen=True)
class DemoResult:
    """What the demo made and where it is."""

    directory: Path
    database: Path
    storage: Path
    recording: dict[str, Any]
    transcription: dict[str, Any] | None
    analysis: dict[str, Any] | None
    pbx_requests: list[str]

    @property
    def completed(self) -> bool:
        return self.recording.get("processing_status") == "completed"


def demo_settings(
    base: Settings, directory: Path, recording_url: str, archive_url: str
) -> Settings:
    """The embedded default, with every file inside `directory` and the PBX stub's URLs."""
    values = base.model_dump()
    values.update(
        ai_db_connection="sqlite",
        ai_db_sqlite_path=directory / "angel.sqlite3",
        local_storage_path=directory / "storage",
        temp_dir=directory / "temp",
        pbx_recording_url=recording_url,
        pbx_archive_url=archive_url,
        r2_endpoint=None,
        worker_id="angel-demo",
        max_concurrent_jobs=1,
        poll_interval_seconds=1,
        organisation_names=["Hope Foundation"],
    )
    return Settings(_env_file=None, **values)


@contextmanager
def demo_directory(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    directory = Path(tempfile.mkdtemp(prefix="angel-demo-"))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def run_demo(base: Settings, directory: Path, progress: Progress) -> DemoResult:
    """Synthesise the call, serve it, queue it like Pulse, process it, read back the rows."""
    from angel_intelligence.testing.call_scripts import demo_call
    from angel_intelligence.testing.pbx_stub import Layout, PbxStub
    from angel_intelligence.testing.pulse import queue_like_pulse
    from angel_intelligence.testing.speech import synthesise_call

    with _step(progress, "synthesise the sample call"):
        call = synthesise_call(demo_call(), directory / "pbx", name=APEX_ID)
    with PbxStub() as pbx:
        # in the first archive layout, so the download shows the fallback from the live PBX
        pbx.add_recording(APEX_ID, call.gsm_path.read_bytes(), layout=Layout.ARCHIVE)
        settings = demo_settings(base, directory, pbx.recording_url, pbx.archive_url)
        database = bootstrap.build_database_admin(settings)
        engine = database.engine
        with _step(progress, "create the database"):
            database.upgrade()
            queue_like_pulse(
                engine,
                apex_id=APEX_ID,
                client_ref=CLIENT_REF,
                client_config=CLIENT_CONFIG,
                campaign="Spring appeal",
                halo_id=1001,
                agent_name="Sarah",
                direction="inbound",
                call_date=None,
                retain_audio=True,
            )
        with _step(progress, "load the models"):
            pipeline = bootstrap.build_call_pipeline(settings, engine, listener=progress)
        worker = bootstrap.build_worker(settings, pipeline, engine)
        worker.run(once=True)
        requests = pbx.requests
    result = _read_back(engine, directory, settings, requests)
    engine.dispose()
    return result


@contextmanager
def _step(progress: Progress, name: str) -> Iterator[None]:
    progress(name, "started")
    try:
        yield
    except BaseException:
        progress(name, "failed")
        raise
    progress(name, "finished")


def _read_back(
    engine: Engine, directory: Path, settings: Settings, requests: list[str]
) -> DemoResult:
    from angel_intelligence.testing.pulse import read_call_rows

    rows = read_call_rows(engine, APEX_ID)
    return DemoResult(
        directory=directory,
        database=settings.ai_db_sqlite_path,
        storage=settings.local_storage_path,
        recording=rows.recording,
        transcription=rows.transcription,
        analysis=rows.analysis,
        pbx_requests=requests,
    )
