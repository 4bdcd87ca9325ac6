"""Where retained (redacted) audio is kept: R2 (`r2`) or a local directory (`local`).

`backends/registry.py` names them; the composition root picks `r2` when R2 is configured.
"""

from __future__ import annotations

from angel_intelligence.backends.storage.local import LocalStorage
from angel_intelligence.backends.storage.options import StorageOptions
from angel_intelligence.backends.storage.r2 import R2Storage, r2_client_config

__all__ = [
    "LocalStorage",
    "R2Storage",
    "StorageOptions",
    "r2_client_config",
]
