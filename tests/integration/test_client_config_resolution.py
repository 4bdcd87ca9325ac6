"""Config precedence read from the real database (SQLite and MariaDB)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from angel_intelligence.analysis.client_config import ClientConfigResolver, default_config_data
from angel_intelligence.bootstrap.options import client_config_options
from angel_intelligence.db.client_configs import ClientConfigRepository
from angel_intelligence.db.engine import session_factory
from angel_intelligence.db.models import AiClientConfig
from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.errors import InvalidAnalysisConfigError
from dbkit import TestDatabase


def add(
    db: TestDatabase, client_ref: str | None, config_type: str, data: Any, *, active: bool = True
) -> int:
    with Session(db.engine) as session, session.begin():
        config = AiClientConfig(
            client_ref=client_ref, config_type=config_type, config_data=data, is_active=active
        )
        session.add(config)
        session.flush()
        return config.id


def test_client_over_global_over_file_over_defaults(db: TestDatabase, tmp_path: Path) -> None:
    file = tmp_path / "call_analysis_config.json"
    file.write_text(
        json.dumps(
            {
                "topics": ["File topic"],
                "agent_actions": ["File action"],
                "performance_rubric": ["File rubric"],
            }
        )
    )
    client_topics = add(db, "ACME001", "topics", ["Client topic", "Second client topic"])
    add(db, None, "topics", ["Global topic"])
    global_actions = add(db, None, "agent_actions", ["Global action"])
    add(db, "ACME001", "analysis_mode", {"mode": "audio"})
    add(db, "OTHER", "performance_rubric", ["Another client's rubric"])
    settings = db.settings(call_analysis_config_path=file, analysis_mode="transcript")
    resolver = ClientConfigResolver.from_options(
        client_config_options(settings), ClientConfigRepository(session_factory(db.engine))
    )

    acme = resolver.resolve("ACME001")
    assert acme.topics == ("Client topic", "Second client topic")
    assert acme.agent_actions == ("Global action",)
    assert acme.performance_rubric == ("File rubric",)
    assert acme.analysis_mode is AnalysisMode.AUDIO
    assert acme.prompt is None
    assert acme.row_ids == {
        "topics": client_topics,
        "agent_actions": global_actions,
        "analysis_mode": acme.row_ids["analysis_mode"],
    }

    other = resolver.resolve("NEWCLIENT")
    assert other.topics == ("Global topic",)
    assert other.analysis_mode is AnalysisMode.TRANSCRIPT  # from ANALYSIS_MODE
    assert other.describe_sources()["analysis_mode"] == "settings"

    without_file = ClientConfigResolver.from_options(
        client_config_options(db.settings()), ClientConfigRepository(session_factory(db.engine))
    )
    assert without_file.resolve("NEWCLIENT").performance_rubric == tuple(
        default_config_data()["performance_rubric"]
    )


def test_inactive_rows_are_ignored(db: TestDatabase) -> None:
    add(db, "ACME001", "topics", ["Inactive client topic"], active=False)
    add(db, None, "topics", ["Inactive global topic"], active=False)
    add(db, None, "agent_actions", ["Active global action"])
    resolver = ClientConfigResolver(ClientConfigRepository(session_factory(db.engine)))
    resolved = resolver.resolve("ACME001")
    assert resolved.topics == tuple(default_config_data()["topics"])
    assert resolved.agent_actions == ("Active global action",)


def test_a_saved_config_applies_to_the_next_call(db: TestDatabase) -> None:
    resolver = ClientConfigResolver(ClientConfigRepository(session_factory(db.engine)))
    assert resolver.resolve("ACME001").topics == tuple(default_config_data()["topics"])
    add(db, "ACME001", "topics", ["New topic"])
    assert resolver.resolve("ACME001").topics == ("New topic",)


def test_a_row_written_by_hand_with_bad_data_fails_clearly(db: TestDatabase) -> None:
    row_id = add(db, "ACME001", "analysis_mode", {"mode": "video"})
    with pytest.raises(InvalidAnalysisConfigError) as raised:
        ClientConfigResolver(ClientConfigRepository(session_factory(db.engine))).resolve("ACME001")
    assert f"row {row_id}" in str(raised.value)
    assert raised.value.processing_error.startswith("ANALYSIS_FAILED: ")


def test_a_database_without_the_tables_is_a_database_error(tmp_path: Path) -> None:
    from angel_intelligence.db.engine import engine_for_url
    from angel_intelligence.errors import DatabaseError

    engine = engine_for_url(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with pytest.raises(DatabaseError, match="cannot read ai_client_configs: no such table"):
        ClientConfigResolver(ClientConfigRepository(session_factory(engine))).resolve("ACME001")
    engine.dispose()
