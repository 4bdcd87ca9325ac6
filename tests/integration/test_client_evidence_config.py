"""A client's own keywords and compliance rules, stored in MariaDB, reach the evidence (issue 16).

The worker's way (the resolver over the real `ai_client_configs` table and the analyser that
`bootstrap.build_analyser` builds, as `build_call_pipeline` does) and `angel analyse` (a child
process on the same database) analyse the same call: a client's keyword finds a topic the
built-in cues miss, and a rule the client disabled raises no flag, while another client on the
defaults gets neither change.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from angel_intelligence import bootstrap
from angel_intelligence.analysis.client_config import ClientConfigResolver
from angel_intelligence.bootstrap import options as opts
from angel_intelligence.db.client_configs import ClientConfigRepository
from angel_intelligence.db.engine import session_factory
from angel_intelligence.db.models import AiClientConfig
from angel_intelligence.testing.scripted import scripted_transcript
from clikit import run_angel
from dbkit import TestDatabase

pytestmark = pytest.mark.mariadb

CALL_DATE = dt.date(2025, 1, 15)
LINES = [
    ("A", "Hello, you're through to Hope Trust, my name is Amy. How can I help?"),
    ("S", "Hi, I wanted to know what my twenty pounds a month actually pays for."),
    ("A", "It funds our nurses. Would you like to give a one-off gift today as well?"),
    ("S", "Go on then, here is my card, [CARD_NUMBER]."),
    ("A", "Thank you, let me read that back to you, [CARD_NUMBER], is that right?"),
    ("S", "Yes, that's right, thank you."),
]
TOPIC = "How donations are used"


def _add(db: TestDatabase, client_ref: str | None, config_type: str, data: Any) -> None:
    with Session(db.engine) as session, session.begin():
        session.add(
            AiClientConfig(
                client_ref=client_ref, config_type=config_type, config_data=data, is_active=True
            )
        )


def test_a_client_s_keywords_and_disabled_rule_change_its_evidence_only(
    mariadb: TestDatabase, tmp_path: Path
) -> None:
    _add(mariadb, "ACME001", "keywords", {TOPIC.lower(): [r"pays? for"]})
    _add(mariadb, "ACME001", "compliance", {"disabled_rules": ["card_read_back"]})
    settings = mariadb.settings(use_mock_models=True)
    resolver = ClientConfigResolver.from_options(
        opts.client_config_options(settings),
        ClientConfigRepository(session_factory(mariadb.engine)),
    )
    analyser = bootstrap.build_analyser(
        settings, bootstrap.build_language_model(settings, "analysis")
    )
    transcript = scripted_transcript(LINES)

    def worker_way(client_ref: str) -> dict[str, Any]:
        analysis = analyser.analyse(transcript, resolver.resolve(client_ref), call_date=CALL_DATE)
        return analysis.to_json()

    acme, other = worker_way("ACME001"), worker_way("OTHER")
    acme_topics = {t["name"]: t for t in acme["key_topics"]}
    assert TOPIC in acme_topics
    assert TOPIC not in {t["name"] for t in other["key_topics"]}
    assert acme_topics[TOPIC]["timestamp_start"] == pytest.approx(
        transcript.segments[1].start_s, abs=0.05
    )
    assert "card_read_back" not in {f["type"] for f in acme["compliance_flags"]}
    assert "card_read_back" in {f["type"] for f in other["compliance_flags"]}
    # the rules the client left on still run
    assert "no_data_protection_statement" in {f["type"] for f in acme["compliance_flags"]}
    assert acme["audio_analysis"]["config_sources"]["keywords"].startswith("client:")
    assert other["audio_analysis"]["config_sources"]["compliance"] == "default"

    # `angel analyse` resolves the same rows and gives the same evidence
    segments = tmp_path / "call.json"
    segments.write_text(json.dumps(transcript.to_segments_json()))
    printed = run_angel(
        "analyse", str(segments), "--client-ref", "ACME001", "--call-date", str(CALL_DATE),
        cwd=tmp_path, env={"USE_MOCK_MODELS": "true", **mariadb.env()},
    )  # fmt: skip
    assert printed.returncode == 0, printed.stderr
    from_cli = json.loads(printed.stdout)
    for field in ("key_topics", "agent_actions_performed", "compliance_flags", "action_items",
                  "sentiment_score", "summary"):  # fmt: skip
        assert from_cli[field] == acme[field], field


def test_a_stored_row_with_an_unknown_rule_fails_naming_the_row_and_the_rule(
    mariadb: TestDatabase,
) -> None:
    _add(mariadb, "ACME001", "compliance", {"rules": ["card_readback"]})
    resolver = ClientConfigResolver(ClientConfigRepository(session_factory(mariadb.engine)))
    with pytest.raises(Exception, match=r"row \d+ .*compliance.*unknown rules \['card_readback'\]"):
        resolver.resolve("ACME001")
