"""`angel worker` / `angel process` with the controlled pipeline, run as a real process by tests.

    python tests/worker_harness.py worker [--once]
    python tests/worker_harness.py process --apex-id ID [--force]

Everything but the pipeline is the real command path (`cli/worker_cmd.py`): settings from the
environment, engine, schema and plan checks, queue, heartbeat, signals. ANGEL_TEST_EXECUTIONS
names the executions log; ANGEL_TEST_WORK_S is how long `slow`/`sleepfirst` calls work.
ANGEL_TEST_PIPELINE=model runs `model_pipeline.ModelPipeline` on the real analysis model instead
(and real Whisper on the file ANGEL_TEST_AUDIO names, when set).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sqlalchemy import Engine

from angel_intelligence import bootstrap
from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.cli import worker_cmd
from angel_intelligence.cli.common import database_or_exit, settings_or_exit
from angel_intelligence.services.hot_reload import registry_version, resolved
from angel_intelligence.settings import Settings
from angel_intelligence.worker import CallPipeline
from controlled_pipeline import ControlledPipeline
from model_pipeline import ModelPipeline


def main() -> int:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    worker = commands.add_parser("worker")
    worker.add_argument("--once", action="store_true")
    process = commands.add_parser("process")
    process.add_argument("--apex-id", required=True)
    process.add_argument("--force", action="store_true")
    args = parser.parse_args()

    executions = os.environ.get("ANGEL_TEST_EXECUTIONS")
    work_s = float(os.environ.get("ANGEL_TEST_WORK_S", "30"))

    def make_pipeline(settings: Settings, _engine: Engine) -> CallPipeline:
        if os.environ.get("ANGEL_TEST_PIPELINE") == "model":  # the real analysis model
            model = bootstrap.build_language_model(settings, "analysis")
            model.load()
            audio = os.environ.get("ANGEL_TEST_AUDIO")  # and real Whisper on this file
            if audio is None:
                return ModelPipeline(CallAnalyser(model), work_s=work_s)
            return ModelPipeline(
                CallAnalyser(model),
                work_s=work_s,
                transcriber=bootstrap.build_transcriber(settings),
                whisper_version=registry_version(resolved(settings.whisper_model_path)),
                audio=Path(audio),
            )
        return ControlledPipeline(Path(executions) if executions else None, work_s=work_s)

    settings = settings_or_exit()
    database_or_exit(settings).close()
    engine = bootstrap.build_database(settings)
    if args.command == "worker":
        return worker_cmd.run_worker(settings, engine, make_pipeline, once=args.once)
    return worker_cmd.run_process(
        settings, engine, make_pipeline, apex_id=args.apex_id, force=args.force
    )


if __name__ == "__main__":
    sys.exit(main())
