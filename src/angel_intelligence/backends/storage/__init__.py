"""Where retained (redacted) audio is kept: R2 when configured, else a local directory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from angel_intelligence.backends.storage.keys import (
    RETAINED_CONTENT_TYPE,
    retention_key,
)
from angel_intelligence.backends.storage.local import LocalStorage
from angel_intelligence.backends.storage.r2 import R2Storage, r2_client_config
from angel_intelligence.logging import get_logger

if TYPE_CHECKING:
    from angel_intelligence.ports import ObjectStorage
    from angel_intelligence.settings import Settings

log = get_logger(__name__)

__all__ = [
    "RETAINED_CONTENT_TYPE",
    "LocalStorage",
    "R2Storage",
    "build_storage",
    "r2_client_config",
    "retention_key",
]


def build_storage(settings: Settings) -> ObjectStorage:
    """R2 when ``R2_ENDPOINT`` and its keys are set, else ``LOCAL_STORAGE_PATH``."""
    if settings.r2_configured:
        return R2Storage.from_settings(settings)
    if settings.is_production:
        # Allowed (retention may be unused), but a pod's disk is no place to keep audio.
        log.warning("r2_not_configured", local_storage_path=str(settings.local_storage_path))
    return LocalStorage(settings.local_storage_path)
