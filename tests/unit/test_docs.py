"""The configuration reference names every variable Angel reads."""

from __future__ import annotations

from angel_intelligence.settings import Settings
from dbkit import REPO_ROOT


def test_every_setting_is_documented() -> None:
    reference = (REPO_ROOT / "docs" / "configuration.md").read_text()
    missing = [
        name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in reference
    ]
    assert not missing, f"document these in docs/configuration.md: {missing}"
