"""How retained audio is stored: the storage section (R2_*, LOCAL_STORAGE_PATH)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class StorageOptions:
    """R2 when its endpoint and keys are set, else a local directory."""

    local_path: Path = Path("./storage")
    r2_endpoint: str | None = None
    r2_access_key: str | None = field(default=None, repr=False)
    r2_secret_key: str | None = field(default=None, repr=False)
    bucket: str = "angel-call-recordings"
    region: str = "auto"

    @property
    def r2_configured(self) -> bool:
        return bool(self.r2_endpoint and self.r2_access_key and self.r2_secret_key)
