"""The chat assistant and monthly summaries: the brief from SQL at scale, chat end to end with
the bundled model, summary generation.

    PYTHONPATH=src python benchmarks/chat_summaries.py [--calls 100000] [--questions 5]

Creates its own database on the server at ANGEL_BENCH_MYSQL_URL (default root@127.0.0.1:3306,
no password), seeds `--calls` analysed calls in bulk (ten clients, fifty agents, a year from
01/01/2025), and prints:

1. the brief for one client over one month (every aggregate, the call summaries most relevant
   to a question, the brief text): p50/p95/max over 20 runs, warm;
2. chat end to end through the API's service with the bundled SmolLM2-135M in-process
   (`--questions` questions, varied): p50/p95 seconds, with how many answers needed a
   regeneration or a repair;
3. summary generation for one month and client (figures, model, number check, upsert):
   seconds per summary, over `--summaries` clients.

`--skip-model` measures the brief only. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import make_url, text

from angel_intelligence.bootstrap import build_api_models, build_chat_service, build_summary_service
from angel_intelligence.db import schema
from angel_intelligence.db.engine import engine_for_url, server_version
from angel_intelligence.db.insights import InsightsRepository
from angel_intelligence.domain.insights import CallFilters, Feature, SummaryKey, month_period
from angel_intelligence.services.brief import build_brief
from angel_intelligence.services.chat import ChatRequest
from angel_intelligence.settings import Settings
from angel_intelligence.testing.analysed_calls import insert_calls, synthetic_calls

SERVER_URL = os.environ.get(
    "ANGEL_BENCH_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/?charset=utf8mb4"
)
MODEL_CACHE = Path(tempfile.gettempdir()) / "angel-intelligence-test-model-cache"
QUESTIONS = (
    "How did call quality go this month?",
    "What are the main compliance issues?",
    "Which topics came up most often?",
    "Which agents had the lowest quality scores?",
    "Were there any complaints about cancellations?",
    "How did sentiment change against the previous period?",
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--summaries", type=int, default=2)
    parser.add_argument("--brief-runs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (LLM_CPU_THREADS)")
    parser.add_argument("--skip-model", action="store_true")
    args = parser.parse_args()

    name = f"angel_bench_chat_{uuid.uuid4().hex[:8]}"
    server = engine_for_url(SERVER_URL, pool_size=1)
    with server.begin() as conn:
        conn.execute(
            text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        )
    url = make_url(SERVER_URL).set(database=name)
    engine = engine_for_url(url.render_as_string(hide_password=False), pool_size=4)
    try:
        schema.upgrade(engine)
        print(f"server: {server_version(engine)}; cores: {os.cpu_count()}")
        started = time.perf_counter()
        seeded = insert_calls(
            engine,
            synthetic_calls(args.calls, clients=10, agents=50, start=dt.date(2025, 1, 1), days=365),
        )
        print(f"seeded {seeded} calls in {time.perf_counter() - started:.1f} s")
        with engine.begin() as conn:
            conn.execute(text("ANALYZE TABLE ai_call_recordings, ai_call_analysis"))

        insights = InsightsRepository(engine)
        period = month_period(2025, 6)
        filters = CallFilters(client_ref="CLIENT003")
        timings = []
        for run in range(args.brief_runs + 2):
            t0 = time.perf_counter()
            figures = insights.figures(filters, period, question=QUESTIONS[run % len(QUESTIONS)])
            brief = build_brief(figures, Feature.CALL_QUALITY, budget_tokens=1500)
            if run >= 2:  # two warm-up runs
                timings.append((time.perf_counter() - t0) * 1000)
        print(
            f"brief, one client, one month ({figures.totals.calls} calls of {seeded}; "
            f"{brief.tokens} tokens): p50 {statistics.median(timings):.0f} ms, "
            f"p95 {percentile(timings, 0.95):.0f} ms, max {max(timings):.0f} ms"
        )
        if args.skip_model:
            return 0

        database = {
            "ai_db_connection": "mysql",
            "ai_db_host": url.host,
            "ai_db_port": url.port or 3306,
            "ai_db_database": name,
            "ai_db_username": url.username,
            "ai_db_password": url.password or "",
        }
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            model_cache_path=MODEL_CACHE,
            llm_cpu_threads=args.threads,
            **database,
        )
        models = build_api_models(settings)
        chat = build_chat_service(settings, engine, models)
        t0 = time.perf_counter()
        models.get("chat")
        print(
            f"chat model loaded in {time.perf_counter() - t0:.1f} s ({settings.chat_llm_backend})"
        )
        seconds, regenerated, repaired = [], 0, 0
        for n in range(args.questions):
            request = ChatRequest(
                message=QUESTIONS[n % len(QUESTIONS)],
                feature=list(Feature)[n % len(Feature)],
                filters=filters,
                period=period,
                user_id=1,
            )
            t0 = time.perf_counter()
            answer = chat.answer(request)
            seconds.append(time.perf_counter() - t0)
            check = answer.metadata["number_check"]
            regenerated += check["regenerations"] > 0
            repaired += not check["passed"]
        print(
            f"chat end to end ({args.questions} questions, SmolLM2-135M, {args.threads} threads, "
            f"max {settings.chat_max_new_tokens} new tokens): "
            f"p50 {statistics.median(seconds):.1f} s, p95 {percentile(seconds, 0.95):.1f} s; "
            f"regenerated {regenerated}, repaired {repaired}"
        )
        if args.summaries == 0:
            return 0
        summaries = build_summary_service(settings, engine, models)
        seconds = []
        for n in range(args.summaries):
            key = SummaryKey("call_quality", 6, 2025, client_ref=f"CLIENT{n:03d}")
            t0 = time.perf_counter()
            summaries.generate(key)
            seconds.append(time.perf_counter() - t0)
        print(
            f"summary, one month and client ({args.summaries} clients): "
            f"mean {statistics.mean(seconds):.1f} s, max {max(seconds):.1f} s"
        )
    finally:
        engine.dispose()
        with server.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        server.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
