"""The PBX stub as a server of its own: the `pbx` service of docker compose's development stack.

It synthesises `angel demo`'s call (espeak-ng and SoX), serves it under the first archive
layout (so a worker's download shows the fallback from the live PBX), and with ``--queue-into``
inserts the pending row the way Pulse does, so the stack's worker picks the call up. It runs
until SIGTERM or SIGINT (docs/deployment.md, "Docker compose")::

    python -m angel_intelligence.testing.pbx_serve --host 0.0.0.0 --port 8080 \\
        --queue-into mysql+pymysql://angel:angel@mariadb:3306/pulse

Point ``PBX_RECORDING_URL`` at ``http://HOST:PORT/callrec/`` and ``PBX_ARCHIVE_URL`` at
``http://HOST:PORT/``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from angel_intelligence.db.engine import engine_for_url
from angel_intelligence.db.models import AiCallRecording
from angel_intelligence.testing.call_scripts import demo_call
from angel_intelligence.testing.pbx_stub import Layout, PbxStub
from angel_intelligence.testing.pulse import queue_like_pulse
from angel_intelligence.testing.speech import synthesise_call

SAMPLE_APEX_ID = "1737123456.12345"  # `angel demo`'s call: 17/01/2025, from the apex id alone
SAMPLE_CLIENT_REF = "DEMO"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m angel_intelligence.testing.pbx_serve",
        description="Serve a synthetic sample call the way the PBX archive does.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (0: any)")
    parser.add_argument("--apex-id", default=SAMPLE_APEX_ID, help="the sample call's apex id")
    parser.add_argument(
        "--directory", type=Path, help="where the call's audio is written (a temporary one)"
    )
    parser.add_argument(
        "--queue-into",
        metavar="DATABASE_URL",
        help="also insert the call as a pending recording, as Pulse does, into this migrated "
        "database (an SQLAlchemy URL), unless a row for it is already there",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="angel-pbx-") as scratch:
        directory = args.directory or Path(scratch)
        call = synthesise_call(demo_call(), directory, name=args.apex_id)
        with PbxStub(host=args.host, port=args.port) as pbx:
            path = pbx.add_recording(
                args.apex_id, call.gsm_path.read_bytes(), layout=Layout.ARCHIVE
            )
            base = pbx.base_url(args.host)
            _say(f"PBX stub serving {base}{path} ({call.gsm_path.stat().st_size} bytes of GSM)")
            _say(f"PBX_RECORDING_URL={base}/callrec/ PBX_ARCHIVE_URL={base}/")
            if args.queue_into and not _queue(args.queue_into, args.apex_id):
                return 1
            _wait_for_a_signal()
            _say(f"PBX stub stopped after {len(pbx.requests)} request(s)")
    return 0


def _queue(url: str, apex_id: str) -> bool:
    engine = engine_for_url(url, pool_size=1)
    try:
        with Session(engine) as session:
            present = session.scalar(
                select(AiCallRecording.processing_status).where(AiCallRecording.apex_id == apex_id)
            )
        if present is not None:
            _say(f"recording {apex_id} is already in ai_call_recordings ({present}); not queued")
            return True
        queue_like_pulse(
            engine,
            apex_id=apex_id,
            client_ref=SAMPLE_CLIENT_REF,
            client_config={},
            campaign="Spring appeal",
            halo_id=1001,
            agent_name="Sarah",
            direction="inbound",
            call_date=None,
            retain_audio=True,
        )
    except SQLAlchemyError as exc:
        sys.stderr.write(
            f"pbx_serve: could not queue {apex_id} ({type(exc).__name__}); is the database "
            "reachable and migrated (`angel db upgrade`)?\n"
        )
        return False
    finally:
        engine.dispose()
    _say(f"queued recording {apex_id} as pending, as Pulse does")
    return True


def _wait_for_a_signal() -> None:
    stop = threading.Event()
    signals: list[int] = []

    def record(signum: int, _frame: FrameType | None) -> None:
        signals.append(signum)  # no locks in a handler: the loop below notices

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, record)
    while not signals:
        stop.wait(0.2)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
