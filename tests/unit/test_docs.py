"""The docs stay true: every variable Angel reads is documented, and the architecture page shows
the layer table the import contracts enforce."""

from __future__ import annotations

import re
import tomllib

from angel_intelligence.settings import Settings
from dbkit import REPO_ROOT


def test_every_setting_is_documented() -> None:
    reference = (REPO_ROOT / "docs" / "configuration.md").read_text()
    missing = [
        name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in reference
    ]
    assert not missing, f"document these in docs/configuration.md: {missing}"


def test_the_architecture_page_shows_the_layers_the_contracts_enforce() -> None:

    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    contracts = pyproject["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    enforced = [{name.strip() for name in layer.split("|")} for layer in layers]
    page = (REPO_ROOT / "docs" / "architecture.md").read_text()
    rows = re.findall(r"^\| \d+ \| (.+?) \| .+ \|$", page, flags=re.M)
    shown = [
        {re.sub(r"(\.py|/)$", "", cell.strip(" `")) for cell in row.split("\\|")} for row in rows
    ]
    assert shown == enforced
