"""Options shared by the speech tests (a module, not conftest: conftest names clash)."""

from __future__ import annotations

from angel_intelligence.pipeline.speakers import SpeakerOptions
from angel_intelligence.testing import call_scripts

OPTIONS = SpeakerOptions(organisation_names=(call_scripts.ORGANISATION,))
