"""The least-privilege grants (db/grants.py, deploy/sql/) on the real MariaDB.

Three users get exactly the scripts' grants on a fresh database; then the real commands run as
them: `angel db upgrade` as the migration user, `angel worker --once` (mock models, real
download, conversion, PII and storage) as the worker user, and the API's routes as the API user.
The worker and API users are refused DDL, deletes the worker never makes, and Pulse's own tables.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pymysql
import pytest
import sqlalchemy.exc
from sqlalchemy import Engine, insert, make_url, select, text
from starlette.testclient import TestClient

from angel_intelligence.bootstrap import build_api_app, build_api_services
from angel_intelligence.db import grants
from angel_intelligence.db.engine import engine_for_url
from angel_intelligence.db.models import AiCallAnalysis, AiCallRecording, AiCallTranscription
from angel_intelligence.services.models import ModelRegistry
from angel_intelligence.testing.gsm import tone_gsm
from angel_intelligence.testing.pbx_stub import Layout, PbxStub
from clikit import run_angel
from dbkit import MYSQL_SERVER_URL, REPO_ROOT, TestDatabase

pytestmark = pytest.mark.mariadb

CALL = "1737123456.301"
TOKEN = "g" * 64
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ACCESS_DENIED = {1142, 1143, 1044}  # table/column command denied, database access denied


@dataclass
class Accounts:
    """The three users on a fresh database; `grant` applies a role's script statements."""

    database: str
    users: dict[grants.Role, TestDatabase]
    root: Engine

    def grant(self, role: grants.Role) -> TestDatabase:
        user = self.users[role]
        account = grants.Account(database=self.database, user=make_url(user.url).username or "")
        with self.root.begin() as conn:
            for statement in grants.grant_statements(role, account):
                conn.execute(text(statement))
        return user


@pytest.fixture
def accounts(empty_mariadb: Callable[[], str]) -> Iterator[Accounts]:
    """Three users with no privileges yet on a fresh empty database (and Pulse's `users`)."""
    url = empty_mariadb()
    database = make_url(url).database or ""
    root = engine_for_url(MYSQL_SERVER_URL, pool_size=1)
    suffix = uuid.uuid4().hex[:8]
    users: dict[grants.Role, TestDatabase] = {}
    try:
        with root.begin() as conn:
            # Pulse's own table in the same database: none of Angel's users may touch it.
            conn.execute(text(f"CREATE TABLE `{database}`.`users` (id INT PRIMARY KEY)"))
            for role in grants.ROLES:
                user, password = f"angel_{role[:3]}_{suffix}", uuid.uuid4().hex
                conn.execute(
                    text(f"CREATE USER '{user}'@'%' IDENTIFIED BY :password"),
                    {"password": password},
                )
                user_url = make_url(url).set(username=user, password=password)
                rendered = user_url.render_as_string(hide_password=False)
                users[role] = TestDatabase("mariadb", rendered, engine_for_url(rendered))
        yield Accounts(database, users, root)
    finally:
        for test_db in users.values():
            test_db.engine.dispose()
        with root.begin() as conn:
            for test_db in users.values():
                conn.execute(text(f"DROP USER IF EXISTS '{make_url(test_db.url).username}'@'%'"))
        root.dispose()


def _denied(engine: Engine, statement: str) -> int:
    with pytest.raises(sqlalchemy.exc.DBAPIError) as caught, engine.begin() as conn:
        conn.execute(text(statement))
    original = caught.value.orig
    assert isinstance(original, pymysql.err.MySQLError)
    code: int = original.args[0]
    return code


def _show_grants(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SHOW GRANTS"))]


def test_the_scripts_in_deploy_sql_are_the_ones_the_module_renders() -> None:
    for role in grants.ROLES:
        script = (REPO_ROOT / "deploy" / "sql" / f"{role}.sql").read_text()
        assert script == grants.render_script(role, grants.account_for(role))


def test_each_user_can_do_its_job_and_nothing_more(accounts: Accounts, tmp_path: Path) -> None:
    # The migrate Job: the whole schema, as the migration user. The worker's and the API's
    # table grants need the tables, so they are applied after the first upgrade (as in the
    # order docs/operations.md gives).
    migration = accounts.grant("migration")
    upgraded = run_angel("db", "upgrade", cwd=tmp_path, env=migration.env())
    assert upgraded.returncode == 0, upgraded.stderr[-3000:]
    checked = run_angel("db", "check", cwd=tmp_path, env=migration.env())
    assert checked.returncode == 0, checked.stdout + checked.stderr
    worker, api = accounts.grant("worker"), accounts.grant("api")

    # Pulse writes the rows (as its own user; root here).
    admin_url = make_url(MYSQL_SERVER_URL).set(database=accounts.database)
    admin = engine_for_url(admin_url.render_as_string(hide_password=False))
    with admin.begin() as conn:
        conn.execute(
            insert(AiCallRecording).values(
                apex_id=CALL, halo_id=7, agent_name="Alex", retain_audio=True,
                processing_status="pending", uploaded_at=dt.datetime(2025, 1, 17, 12, 0),
            )
        )  # fmt: skip

    # One real worker cycle as the worker user: claim, download, convert, transcribe (mock),
    # PII, analyse (mock), write results and fingerprints, retain, complete.
    with PbxStub() as pbx:
        pbx.add_recording(CALL, tone_gsm(tmp_path / "call.gsm", 12.0).read_bytes(),
                          layout=Layout.ARCHIVE)  # fmt: skip
        ran = run_angel(
            "worker",
            "--once",
            cwd=tmp_path,
            env={
                **worker.env(),
                "USE_MOCK_MODELS": "true",
                "PBX_RECORDING_URL": pbx.recording_url,
                "PBX_ARCHIVE_URL": pbx.archive_url,
                "TEMP_DIR": str(tmp_path / "temp"),
                "LOCAL_STORAGE_PATH": str(tmp_path / "storage"),
                "POLL_INTERVAL_SECONDS": "1",
            },
            timeout=300,
        )
    assert ran.returncode == 0, ran.stderr[-3000:]
    with admin.connect() as conn:
        (recording,) = conn.execute(select(AiCallRecording.__table__)).all()
        assert (recording.processing_status, recording.processing_error) == ("completed", None)
        assert conn.execute(select(AiCallTranscription.id)).all()
        assert conn.execute(select(AiCallAnalysis.id)).all()
    admin.dispose()

    # The API's routes as the API user: probes, queue, statistics, metrics, configs, export.
    settings = api.settings(api_auth_token=TOKEN, worker_id="api-grants")
    app = build_api_app(settings, build_api_services(settings, api.engine, models=ModelRegistry()))
    with TestClient(app, raise_server_exceptions=False) as client:
        for path in ("/health", "/readyz", "/api/statistics", "/metrics", "/api/training-data"):
            response = client.get(path, headers=AUTH)
            assert response.status_code == 200, (path, response.text)
        queued = client.post(
            "/api/process", headers=AUTH, json={"apex_id": CALL, "force_reprocess": True}
        )
        assert queued.status_code == 200, queued.text
        created = client.post(
            "/api/config",
            headers=AUTH,
            json={"client_ref": "ACME001", "config_type": "topics", "config_data": ["Gift Aid"]},
        )
        assert created.status_code == 201, created.text
        config_id = created.json()["data"]["id"]
        changed = client.put(f"/api/config/{config_id}", headers=AUTH, json={"is_active": False})
        assert changed.status_code == 200, changed.text
        assert client.delete(f"/api/config/{config_id}", headers=AUTH).status_code == 200

    # No DDL for the worker or the API; no deletes the worker never makes; not Pulse's tables.
    for user in (worker, api):
        for statement in (
            "CREATE TABLE ai_extra (id INT)",
            "ALTER TABLE ai_call_recordings ADD COLUMN extra INT",
            "CREATE INDEX idx_extra ON ai_call_recordings (agent_name)",
            "DROP TABLE ai_call_analysis",
            "TRUNCATE TABLE ai_call_transcriptions",
            "DELETE FROM ai_call_recordings",
            "SELECT * FROM users",
        ):
            assert _denied(user.engine, statement) in ACCESS_DENIED, statement
    assert _denied(migration.engine, "DROP TABLE users") in ACCESS_DENIED  # Angel's tables only
    assert _denied(worker.engine, "DELETE FROM ai_client_configs") in ACCESS_DENIED
    assert _denied(api.engine, "INSERT INTO ai_voice_fingerprints (halo_id) VALUES (1)") in (
        ACCESS_DENIED
    )

    # What the server says each user holds is exactly its list (what `angel doctor` compares).
    for role, user in accounts.users.items():
        held = grants.parse_show_grants(_show_grants(user.engine))
        assert held, role
        assert grants.excess_privileges(role, accounts.database, held) == [], role
