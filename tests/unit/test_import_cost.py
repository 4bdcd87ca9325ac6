"""`angel` starts light: the command line and the composition root import no model library.

torch and transformers take seconds to import and to tear down; every `angel` command (and a
worker's exit within its shutdown grace) would pay for them. They are imported where a model
is loaded, never at module level on the way to the CLI.
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "transformers", "peft", "faster_whisper", "ctranslate2", "sklearn")


def test_the_cli_and_the_composition_root_import_no_model_library() -> None:
    code = (
        "import sys, angel_intelligence.cli, angel_intelligence.bootstrap; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "", f"imported at start: {found}"
