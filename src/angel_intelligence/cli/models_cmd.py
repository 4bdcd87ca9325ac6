"""`angel models`: the versions on shared storage, and which one each kind runs (docs/models.md).

The database mirror (`ai_model_versions`) is written when the configured database exists;
without one the commands work on the files alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from angel_intelligence import bootstrap
from angel_intelligence.cli.common import settings_or_exit
from angel_intelligence.services.model_versions import ModelVersions, check_kind

app = typer.Typer(help="List, add, promote and roll back model versions.", no_args_is_help=True)

KIND_HELP = "analysis, chat or whisper"


def _registry() -> ModelVersions:
    settings = settings_or_exit()
    return bootstrap.build_model_versions(settings, bootstrap.existing_database(settings))


@app.command("list")
def list_versions(
    kind: str | None = typer.Argument(None, help=KIND_HELP + " (all when left out)"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of lines."),
) -> None:
    """Each kind's versions, the current one marked *, and any problem with the layout."""
    registry = _registry()
    statuses = [registry.status(check_kind(kind))] if kind else registry.summary()
    if as_json:
        out = []
        for status in statuses:
            versions = [v.to_json() for v in registry.versions(status.kind)]
            out.append({**status.to_json(), "details": versions})
        typer.echo(json.dumps(out, indent=2))
        return
    for status in statuses:
        typer.echo(f"{status.kind}: current {status.current or '(none)'}")
        for version in registry.versions(status.kind):
            mark = "*" if version.version == status.current else " "
            gate = ""
            if version.evaluation is not None:
                gate = " gate passed" if version.evaluation.get("passed") else " gate refused"
            parent = f" from {version.parent_version}" if version.parent_version else ""
            typer.echo(f"  {mark} {version.version:<24} {version.created_at}{parent}{gate}")
        for problem in status.problems:
            typer.echo(f"  ! {problem}")


@app.command("show")
def show(
    kind: str = typer.Argument(..., help=KIND_HELP),
    version: str = typer.Argument(..., help="The version's name."),
) -> None:
    """A version's metadata.json (with its path), as JSON."""
    registry = _registry()
    typer.echo(json.dumps(registry.get(check_kind(kind), version).to_json(), indent=2))


@app.command("add")
def add(
    kind: Annotated[str, typer.Argument(help=KIND_HELP)],
    version: Annotated[str, typer.Argument(help="The new version's name, e.g. v1.0.0.")],
    source: Annotated[Path, typer.Argument(help="A model directory, or one model file (.gguf).")],
    base_model: str | None = typer.Option(None, "--base-model", help="What the model is."),
    notes: str | None = typer.Option(None, "--notes", help="Free text kept with the version."),
) -> None:
    """Copy a model in as a new version (not current until promoted)."""
    registry = _registry()
    added = registry.add(check_kind(kind), version, source, base_model=base_model, notes=notes)
    typer.echo(f"{added.kind} {added.version}: added at {added.path}")


@app.command("promote")
def promote(
    kind: str = typer.Argument(..., help=KIND_HELP),
    version: str = typer.Argument(..., help="The version to make current."),
    force: bool = typer.Option(
        False, "--force", help="Promote even when the evaluation gate refuses the version."
    ),
) -> None:
    """Make a version current (workers with ENABLE_MODEL_HOT_RELOAD switch to it)."""
    switch = _registry().promote(check_kind(kind), version, force=force)
    forced = " (forced past the evaluation gate)" if switch.forced else ""
    typer.echo(f"{kind}: current is {switch.version} (was {switch.previous or 'none'}){forced}")


@app.command("rollback")
def rollback(
    kind: str = typer.Argument(..., help=KIND_HELP),
    to: str | None = typer.Option(None, "--to", help="The version to go back to."),
) -> None:
    """Go back to the version that was current before this one (or to --to)."""
    switch = _registry().rollback(check_kind(kind), to)
    typer.echo(f"{kind}: rolled back to {switch.version} (was {switch.previous or 'none'})")


@app.command("sync")
def sync() -> None:
    """Write every version on disk, and each current one, to ai_model_versions."""
    settings = settings_or_exit()
    engine = bootstrap.existing_database(settings)
    if engine is None:
        typer.echo("angel: error: no database to mirror to (run `angel db upgrade`)", err=True)
        raise typer.Exit(1)
    count = bootstrap.build_model_versions(settings, engine).sync()
    typer.echo(f"{count} version(s) mirrored to ai_model_versions")
