"""`angel doctor`: is this machine ready to run Angel? One line per check, OK / FAIL / SKIP.

Each check uses the same code as the worker (the engine and schema revision, the PBX source's
URL fallbacks, the R2 client, the model locators and device choice) without doing the work:
no recording is saved, no weights are loaded, and the R2 probe object is deleted. A FAIL says
what to fix. The checks never raise: an unexpected error is that check's FAIL.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, inspect

from angel_intelligence.backends.asr.faster_whisper import (
    WhisperOptions,
    choose_device,
    resolve_model,
)
from angel_intelligence.backends.devices import cuda_devices
from angel_intelligence.backends.llm.model_files import locate_model
from angel_intelligence.backends.llm.options import LanguageModelOptions
from angel_intelligence.backends.llm.quantization import check_in_process, setting_name
from angel_intelligence.backends.recordings.pbx import PbxOptions, PbxRecordingSource
from angel_intelligence.backends.storage.options import StorageOptions
from angel_intelligence.backends.storage.r2 import R2Storage
from angel_intelligence.db import diagnostics, grants, schema
from angel_intelligence.db.engine import DatabaseOptions, build_engine, check_database
from angel_intelligence.errors import AngelError, DatabaseUnavailableError

GrantsRole = Literal["worker", "api", "migration"]
PROBE_PREFIX = "angel-doctor/"
GIB = 1024**3


class CheckStatus(enum.StrEnum):
    OK = "OK"
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One line of the report: what was checked, how it went, and what to do about a FAIL."""

    name: str
    status: CheckStatus
    detail: str
    fix: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "status": self.status.value,
            "detail": self.detail,
            "fix": self.fix,
        }


def ok(name: str, detail: str) -> CheckResult:
    return CheckResult(name, CheckStatus.OK, detail)


def fail(name: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(name, CheckStatus.FAIL, detail, fix)


def skip(name: str, detail: str) -> CheckResult:
    return CheckResult(name, CheckStatus.SKIP, detail)


@dataclass(frozen=True, slots=True)
class DoctorOptions:
    """Everything the checks look at, built from the settings by the composition root."""

    database: DatabaseOptions
    pbx: PbxOptions
    storage: StorageOptions
    whisper: WhisperOptions
    asr_backend: str
    models: tuple[LanguageModelOptions, ...]
    temp_dir: Path
    production: bool
    role: GrantsRole = "worker"
    apex_id: str | None = None
    call_date: dt.date | None = None
    min_free_bytes: int = GIB


ExcessGrants = Callable[[GrantsRole, list[str]], list[str]]


def exact_excess_grants(database: str) -> ExcessGrants:
    """What a user holds beyond its role's per-table lists (`db/grants.py`) on `database`:
    DDL for the worker or API user, but also a DELETE the worker never runs, or any privilege
    on Pulse's own tables or on another database."""

    def excess(role: GrantsRole, lines: list[str]) -> list[str]:
        return grants.excess_privileges(role, database, grants.parse_show_grants(lines))

    return excess


class Doctor:
    """Runs the checks in order; `run()` returns one `CheckResult` per line."""

    def __init__(
        self, options: DoctorOptions, *, excess_grants: ExcessGrants | None = None
    ) -> None:
        self.options = options
        self._excess_grants = excess_grants

    def run(self) -> list[CheckResult]:
        results = list(self._database())
        checks: list[tuple[str, Callable[[], CheckResult]]] = [
            ("pbx", self._pbx),
            ("r2", self._r2),
            ("cuda", self._cuda),
            ("model.whisper", self._whisper),
            *((f"model.{m.purpose}", partial(self._model, m)) for m in self.options.models),
            ("disk.temp", self._disk),
        ]
        results += [_guarded(name, check) for name, check in checks]
        return results

    # --- The database ---------------------------------------------------------------------

    def _database(self) -> Iterator[CheckResult]:
        options = replace(self.options.database, pool_size=1, read_timeout_s=10.0)
        engine = build_engine(options)
        try:
            yield from self._database_checks(engine, options.masked_url)
        finally:
            engine.dispose()

    def _database_checks(self, engine: Engine, shown_url: str) -> Iterator[CheckResult]:
        names = ("database.skip_locked", "database.schema", "database.grants")
        sqlite_file = engine.url.database if engine.dialect.name == "sqlite" else None
        if sqlite_file and sqlite_file != ":memory:" and not Path(sqlite_file).exists():
            yield fail(
                "database",
                f"no SQLite database at {sqlite_file}",
                "run `angel db upgrade` to create it, or set AI_DB_CONNECTION=mysql and AI_DB_*",
            )
            yield from (skip(name, "there is no database yet") for name in names)
            return
        try:
            version = check_database(engine)
        except DatabaseUnavailableError as error:
            message = str(error)
            refused = "Access denied" in message or "1045" in message
            yield fail(
                "database",
                message.split(". Check ")[0],
                "check AI_DB_USERNAME and AI_DB_PASSWORD: the server refused them"
                if refused
                else "check AI_DB_HOST and AI_DB_PORT and that the server is running; a server "
                "that is too old must be upgraded (MariaDB 10.6 or MySQL 8.0.1 for SKIP LOCKED)",
            )
            yield from (skip(name, "the database could not be reached") for name in names)
            return
        yield ok("database", f"{version} at {shown_url}")
        yield _guarded(names[0], lambda: self._skip_locked(engine))
        yield _guarded(names[1], lambda: _schema(engine))
        yield _guarded(names[2], lambda: self._grants(engine))

    def _skip_locked(self, engine: Engine) -> CheckResult:
        name = "database.skip_locked"
        if engine.dialect.name == "sqlite":
            return skip(name, "SQLite: one writer at a time, no SKIP LOCKED needed (development)")
        if not inspect(engine).has_table("ai_call_recordings"):
            return skip(name, "no ai_call_recordings table yet: run `angel db upgrade` first")
        try:
            diagnostics.probe_skip_locked(engine)
        except Exception as error:
            return fail(
                name,
                f"SELECT … FOR UPDATE SKIP LOCKED was refused: {_first_line(error)}",
                "give the user SELECT and UPDATE on ai_call_recordings; on a server without "
                "SKIP LOCKED, upgrade to MariaDB 10.6 or MySQL 8.0.1",
            )
        return ok(name, "SELECT … FOR UPDATE SKIP LOCKED works on ai_call_recordings")

    def _grants(self, engine: Engine) -> CheckResult:
        name = "database.grants"
        if engine.dialect.name == "sqlite":
            return skip(name, "SQLite has no users")
        role = self.options.role
        check = self._excess_grants or exact_excess_grants(engine.url.database or "")
        excess = check(role, diagnostics.show_grants(engine))
        if excess:
            return fail(
                name,
                f"the {role} user holds more than it needs: {'; '.join(excess)}",
                f"REVOKE those, or connect as a least-privilege {role} user (docs/operations.md); "
                "only the migration user (`angel doctor --role migration`) needs DDL",
            )
        return ok(name, f"the {role} user holds no more than its grants (db/grants.py)")

    # --- The PBX, R2 --------------------------------------------------------------------

    def _pbx(self) -> CheckResult:
        name, apex_id = "pbx", self.options.apex_id
        if apex_id is None:
            return skip(name, "give --apex-id of a recording the PBX holds to check it")
        source = PbxRecordingSource.from_options(replace(self.options.pbx, attempts=1))
        try:
            probes = source.probe(apex_id, self.options.call_date)
        except AngelError as error:  # an invalid apex id
            return fail(name, error.message, "give the apex id of a real call (digits.digits)")
        tried = "; ".join(f"{p.url}: {p.detail}" for p in probes)
        found = [p for p in probes if p.status is not None and 200 <= p.status < 300]
        if found:
            return ok(name, f"{apex_id} is at {found[0].url} ({found[0].detail})")
        if any(p.status is None for p in probes):
            return fail(
                name,
                f"the PBX did not answer: {tried}",
                "check PBX_RECORDING_URL and PBX_ARCHIVE_URL, and that this host reaches the "
                "PBX (DNS, firewall, VPN, NetworkPolicy)",
            )
        return fail(
            name,
            f"the PBX answered but has no {apex_id}: {tried}",
            "check the apex id and its date (the archive's monitor-YYYY/MM folder; "
            "--call-date), or wait for the archive to catch up",
        )

    def _r2(self) -> CheckResult:
        name, storage = "r2", self.options.storage
        if not (storage.r2_endpoint and storage.r2_access_key and storage.r2_secret_key):
            if self.options.production:
                return fail(
                    name,
                    "R2 is not configured: the worker refuses to start in production",
                    "set R2_ENDPOINT, R2_ACCESS_KEY, R2_SECRET_KEY and R2_BUCKET",
                )
            return skip(
                name,
                f"R2 is not configured: retained audio goes to {storage.local_path} (development)",
            )
        r2 = R2Storage(
            storage.r2_endpoint,
            storage.r2_access_key,
            storage.r2_secret_key,
            storage.bucket,
            region=storage.region,
            connect_timeout_s=5.0,
            read_timeout_s=10.0,
            max_attempts=1,
        )
        key = f"{PROBE_PREFIX}probe-{uuid.uuid4().hex}.txt"
        try:
            r2.probe(key)
        except AngelError as error:
            return fail(name, error.message, _r2_fix(error.message, storage.bucket))
        return ok(
            name,
            f"put, head and delete of {key} in bucket {storage.bucket} at {storage.r2_endpoint}",
        )

    # --- Devices and models -------------------------------------------------------------

    def _cuda(self) -> CheckResult:
        devices = cuda_devices()
        if not devices:
            return ok("cuda", "no CUDA GPU: every model runs on the CPU")
        return ok("cuda", f"{len(devices)} CUDA GPU(s): {', '.join(devices)}")

    def _whisper(self) -> CheckResult:
        name = "model.whisper"
        if self.options.asr_backend == "mock":
            return skip(name, "USE_MOCK_MODELS: no Whisper model is loaded")
        whisper = self.options.whisper
        try:
            resolved = resolve_model(whisper)
            device, compute_type = choose_device(whisper.device, whisper.compute_type)
        except AngelError as error:
            return fail(
                name,
                error.message,
                "put a CTranslate2 Whisper directory at WHISPER_MODEL_PATH "
                "(docs/transcription.md) or set WHISPER_MODEL=bundled:tiny.en",
            )
        return ok(
            name,
            f"{resolved.name} ({resolved.source}) at {resolved.location} on {device}, "
            f"{compute_type}",
        )

    def _model(self, model: LanguageModelOptions) -> CheckResult:
        name, purpose = f"model.{model.purpose}", model.purpose
        quantization = f"{setting_name(purpose)}={model.quantization}"
        if model.backend == "mock":
            return skip(name, "USE_MOCK_MODELS: no model is loaded")
        if model.backend == "openai":
            return ok(
                name,
                f"served at {model.url} ({model.served_model or 'the server default'}); "
                f"{quantization} is reported, not applied: the server's precision holds",
            )
        try:
            files = locate_model(
                model.model_path,
                allow_bundled=model.allow_bundled,
                base_model=model.base_model,
                quantization=model.quantization,
                purpose=purpose,
            )
            # imported here: it pulls torch and transformers, which `angel` must not load
            # for every command
            from angel_intelligence.backends.llm.transformers_lm import default_device

            device = default_device()
            check_in_process(model.quantization, device, purpose=purpose)
        except AngelError as error:
            fix = (
                f"set {setting_name(purpose)} to a value this device honours"
                if setting_name(purpose) in error.message
                else f"put a model directory, LoRA adapter or .gguf file at "
                f"{purpose.upper()}_MODEL_PATH ({model.model_path})"
            )
            return fail(name, error.message, fix)
        return ok(
            name,
            f"{files.name} version {files.version} ({files.kind}) at {files.path} on {device}, "
            f"{quantization}",
        )

    # --- Disk ---------------------------------------------------------------------------

    def _disk(self) -> CheckResult:
        name, temp_dir = "disk.temp", self.options.temp_dir
        existing = next(
            p for p in (temp_dir.absolute(), *temp_dir.absolute().parents) if p.exists()
        )
        free = shutil.disk_usage(existing).free
        where = f"TEMP_DIR {temp_dir}" + (
            "" if existing == temp_dir.absolute() else f" (on {existing})"
        )
        if not os.access(existing, os.W_OK):
            return fail(name, f"{where} is not writable", "give the worker's user write access")
        if free < self.options.min_free_bytes:
            return fail(
                name,
                f"{free / GIB:.1f} GiB free in {where}, "
                f"below {self.options.min_free_bytes / GIB:.1f} GiB",
                "free space there, or point TEMP_DIR at a larger volume",
            )
        return ok(name, f"{free / GIB:.1f} GiB free in {where}")


def _schema(engine: Engine) -> CheckResult:
    name = "database.schema"
    with engine.connect() as conn:
        current = schema.current_revision(conn)
    head = schema.head_revision()
    if current != head:
        return fail(
            name,
            f"the schema is at revision {current or 'none'}, this version needs {head}",
            "run `angel db upgrade` (as the migration user)",
        )
    return ok(name, f"at revision {head} (current)")


def _r2_fix(message: str, bucket: str) -> str:
    if "NoSuchBucket" in message:
        return f"create the bucket {bucket}, or set R2_BUCKET to the bucket's name"
    if any(code in message for code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "403")):
        return "check R2_ACCESS_KEY and R2_SECRET_KEY, and that the token may write the bucket"
    if "AccessDenied" in message or "Unauthorized" in message:
        return "give the R2 token object read and write on the bucket"
    return "check R2_ENDPOINT (https://<account>.r2.cloudflarestorage.com) and that it is reachable"


def _guarded(name: str, check: Callable[[], CheckResult]) -> CheckResult:
    """The check's result, or its FAIL when it raised something unexpected."""
    try:
        return check()
    except Exception as error:
        return fail(name, f"the check itself failed: {_first_line(error)}", "see the message")


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"


def to_json(results: list[CheckResult]) -> dict[str, Any]:
    """The report as `angel doctor --json` prints it."""
    return {
        "ok": all(r.status is not CheckStatus.FAIL for r in results),
        "checks": [r.to_json() for r in results],
    }
