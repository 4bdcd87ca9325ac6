"""Claims per second and claim latency with concurrent claimers on a backlog, on MariaDB/MySQL.

    python benchmarks/claims.py                       # 16 claimer threads, 5,000-row backlog
    python benchmarks/claims.py --claimers 4 16 64 --rows 5000 --processes
    python benchmarks/claims.py --inserts-per-s 100   # Pulse inserts new calls for the first 10 s

Creates its own database on the server at ANGEL_BENCH_MYSQL_URL (default root@127.0.0.1:3306,
no password), migrates it with `angel db upgrade`'s code, fills the backlog, lets the claimers
drain it with `JobQueue.claim` (each on its own connection), checks that every row was claimed
exactly once, prints a table, and drops the database.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from sqlalchemy import func, insert, make_url, select, text

from angel_intelligence.db import schema
from angel_intelligence.db.engine import engine_for_url, server_version
from angel_intelligence.db.models import AiCallRecording
from angel_intelligence.db.queue import JobQueue

SERVER_URL = os.environ.get(
    "ANGEL_BENCH_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/?charset=utf8mb4"
)


@dataclass
class ClaimerResult:
    latencies_s: list[float] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    retries: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    last_claim_at: float = 0.0


def claimer(
    url: str, name: str, batch: int, start_at: float, inserts_until: float, idle_limit: int
) -> ClaimerResult:
    """Claim until the queue stays empty (after the inserts stop); one connection of its own."""
    engine = engine_for_url(url, pool_size=1)
    queue = JobQueue(engine, worker_id=name, lease_s=600, max_retries=3, retry_delay_s=3600)
    result = ClaimerResult()
    with engine.connect():  # connect before the start: the figures are for claims only
        pass
    time.sleep(max(0.0, start_at - time.time()))
    idle = 0
    while idle < idle_limit:
        started = time.perf_counter()
        try:
            jobs = queue.claim(batch)
        except Exception as error:  # reported, not hidden
            result.errors.append(type(error).__name__)
            continue
        result.latencies_s.append(time.perf_counter() - started)
        result.ids.extend(job.recording_id for job in jobs)
        if jobs:
            result.last_claim_at = time.time()
        idle = 0 if jobs or time.time() < inserts_until else idle + 1
        if not jobs:
            time.sleep(0.01)
    result.retries = queue.transient_retries
    engine.dispose()
    return result


def _claimer_process(args: tuple[str, str, int, float, float, int]) -> ClaimerResult:
    return claimer(*args)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run(
    claimers: int, rows: int, batch: int, processes: bool, inserts_per_s: float, insert_s: float
) -> dict[str, object]:
    name = f"angel_bench_{uuid.uuid4().hex[:8]}"
    server = engine_for_url(SERVER_URL, pool_size=1)
    with server.begin() as conn:
        conn.execute(
            text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        )
    url = make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    engine = engine_for_url(url, pool_size=2)
    try:
        schema.upgrade(engine)
        with engine.begin() as conn:
            for start in range(0, rows, 1000):
                conn.execute(
                    insert(AiCallRecording.__table__),
                    [{"apex_id": f"{i}.1"} for i in range(start, min(rows, start + 1000))],
                )
            conn.execute(text("ANALYZE TABLE ai_call_recordings"))
        start_at = time.time() + 3.0
        inserts_until = start_at + (insert_s if inserts_per_s > 0 else 0.0)

        def insert_meanwhile() -> None:
            time.sleep(max(0.0, start_at - time.time()))
            inserted = 0
            while inserts_per_s > 0 and time.time() < inserts_until:
                with engine.begin() as conn:
                    conn.execute(
                        insert(AiCallRecording.__table__).values(apex_id=f"new.{inserted}")
                    )
                inserted += 1
                time.sleep(1 / inserts_per_s)

        args = [(url, f"c{n}", batch, start_at, inserts_until, 5) for n in range(claimers)]
        inserter = threading.Thread(target=insert_meanwhile)
        inserter.start()
        if processes:
            with multiprocessing.get_context("spawn").Pool(claimers) as pool:
                results = pool.map(_claimer_process, args)
        else:
            results = [ClaimerResult() for _ in range(claimers)]

            def run_one(n: int) -> None:
                results[n] = claimer(*args[n])

            threads = [threading.Thread(target=run_one, args=(n,)) for n in range(claimers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        inserter.join()
        latencies = [s for r in results for s in r.latencies_s]
        claimed = Counter(i for r in results for i in r.ids)
        # the backlog is drained when the last row is claimed (idle polls after it not counted)
        elapsed_s = max(r.last_claim_at for r in results) - start_at
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(AiCallRecording)).scalar_one()
            processing = conn.execute(
                select(func.count()).where(AiCallRecording.processing_status == "processing")
            ).scalar_one()
        retries: Counter[int] = Counter()
        for r in results:
            retries.update(r.retries)
        return {
            "server": server_version(engine),
            "claimers": claimers,
            "mode": "processes" if processes else "threads",
            "rows": total,
            "claims": sum(claimed.values()),
            "duplicates": sum(n - 1 for n in claimed.values() if n > 1),
            "lost": total - len(claimed),
            "processing": processing,
            "elapsed_s": elapsed_s,
            "claims_per_s": sum(claimed.values()) / elapsed_s if elapsed_s else 0.0,
            "p50_ms": percentile(latencies, 0.50) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "max_ms": max(latencies) * 1000 if latencies else float("nan"),
            "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
            "retries": dict(retries),
            "errors": Counter(e for r in results for e in r.errors),
        }
    finally:
        engine.dispose()
        with server.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        server.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claimers", type=int, nargs="+", default=[16])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=1, help="rows per claim (free slots)")
    parser.add_argument(
        "--processes", action="store_true", help="claimers as processes, not threads"
    )
    parser.add_argument("--inserts-per-s", type=float, default=0.0, help="new calls meanwhile")
    parser.add_argument("--insert-seconds", type=float, default=10.0, help="for this long")
    args = parser.parse_args()
    header = (
        f"{'claimers':>8} {'mode':>9} {'rows':>6} {'claims':>6} {'dup':>4} {'lost':>4} "
        f"{'drain s':>8} {'claims/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}  retries/errors"
    )
    print(header)
    print("-" * len(header))
    failed = False
    server = ""
    for claimers in args.claimers:
        r = run(
            claimers, args.rows, args.batch, args.processes, args.inserts_per_s, args.insert_seconds
        )
        server = str(r["server"])
        failed |= bool(r["duplicates"] or r["lost"] or r["errors"])
        print(
            f"{r['claimers']:>8} {r['mode']:>9} {r['rows']:>6} {r['claims']:>6} "
            f"{r['duplicates']:>4} {r['lost']:>4} {r['elapsed_s']:>8.2f} "
            f"{r['claims_per_s']:>9.0f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
            f"{r['max_ms']:>7.1f}  {r['retries'] or '-'} {dict(r['errors']) or ''}"
        )
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"\n{server}; batch {args.batch}; inserts/s {args.inserts_per_s:g}; "
        f"{os.cpu_count()} CPUs, load average {load} (other work on the machine skews latency)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
