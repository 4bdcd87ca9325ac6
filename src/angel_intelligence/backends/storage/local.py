"""A directory standing in for R2 in development, or wherever R2 is not configured."""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath

from angel_intelligence.errors import StorageFailedError

LOCAL_BUCKET = "local"


class LocalStorage:
    """`ports.ObjectStorage` on a local directory: key ``a/b.wav`` is the file ``root/a/b.wav``.

    `bucket` is ``"local"``, so a row's ``r2_bucket`` shows that the audio is not in R2. The
    content type is not kept (a file system has none); files are written atomically.
    """

    def __init__(self, root: Path, *, bucket: str = LOCAL_BUCKET) -> None:
        self.root = root
        self._bucket = bucket

    @property
    def bucket(self) -> str:
        return self._bucket

    def path_of(self, key: str) -> Path:
        """The file that holds `key` (which must be a plain relative path)."""
        parts = PurePosixPath(key).parts
        if (
            not key
            or key.startswith("/")
            or "\\" in key
            or any(part in ("", ".", "..") for part in parts)
            or parts != tuple(key.split("/"))
        ):
            raise StorageFailedError(f"invalid storage key {key!r}")
        return self.root.joinpath(*parts)

    def put_file(self, path: Path, key: str, *, content_type: str) -> str:
        target = self.path_of(key)
        partial = target.with_name(f".{target.name}.part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, partial)
            os.replace(partial, target)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise StorageFailedError(f"could not store {key} in {self.root}: {error}") from None
        return key

    def get_file(self, key: str, dest: Path) -> Path:
        source = self.path_of(key)
        if not source.is_file():
            raise StorageFailedError(f"{key} is not in local storage {self.root}")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
        except OSError as error:
            raise StorageFailedError(f"could not read {key} from {self.root}: {error}") from None
        return dest
