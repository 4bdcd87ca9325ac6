"""Cloudflare R2 (or any S3-compatible store) through boto3, configured the way R2 needs.

Since botocore 1.36 every upload carries a CRC32 checksum by default, sent over HTTPS as an
``aws-chunked`` trailer; R2 has rejected that with ``501 NotImplemented`` and, as late as
2026-08, with a misleading ``Unauthorized`` (research/ecosystem.md, "S3 / Cloudflare R2").
`r2_client_config` therefore sets ``request_checksum_calculation`` and
``response_checksum_validation`` to ``"when_required"``, with SigV4, path-style addressing and
region ``auto``. No local server reproduces R2's rejection, so a test asserts that no
``x-amz-checksum-*`` / ``x-amz-trailer`` header is sent (tests/integration/test_r2_storage.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from angel_intelligence.errors import StorageFailedError

if TYPE_CHECKING:
    from botocore.config import Config

    from angel_intelligence.backends.storage.options import StorageOptions


def r2_client_config(
    *, connect_timeout_s: float = 10.0, read_timeout_s: float = 60.0, max_attempts: int = 5
) -> Config:
    """The botocore configuration R2 accepts (see the module docstring)."""
    from botocore.config import Config

    return Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        retries={"mode": "standard", "max_attempts": max_attempts},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        connect_timeout=connect_timeout_s,
        read_timeout=read_timeout_s,
    )


class R2Storage:
    """`ports.ObjectStorage` on R2 / S3. Large files go up in parts (boto3's transfer manager)."""

    def __init__(
        self,
        endpoint_url: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        region: str = "auto",
        connect_timeout_s: float = 10.0,
        read_timeout_s: float = 60.0,
        max_attempts: int = 5,
    ) -> None:
        import boto3

        # A session of our own: boto3's default session is shared, mutable and not thread-safe.
        session = boto3.session.Session()
        self._client: Any = session.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=r2_client_config(
                connect_timeout_s=connect_timeout_s,
                read_timeout_s=read_timeout_s,
                max_attempts=max_attempts,
            ),
        )
        self._bucket = bucket
        self.endpoint_url = endpoint_url

    @classmethod
    def from_options(cls, options: StorageOptions) -> Self:
        if not (options.r2_endpoint and options.r2_access_key and options.r2_secret_key):
            raise ValueError("R2 is not configured (R2_ENDPOINT, R2_ACCESS_KEY, R2_SECRET_KEY)")
        return cls(
            options.r2_endpoint,
            options.r2_access_key,
            options.r2_secret_key,
            options.bucket,
            region=options.region,
        )

    @property
    def bucket(self) -> str:
        return self._bucket

    @property
    def client(self) -> Any:
        """The boto3 S3 client (for event hooks and operations tooling)."""
        return self._client

    def put_file(self, path: Path, key: str, *, content_type: str) -> str:
        try:
            self._client.upload_file(
                str(path), self._bucket, key, ExtraArgs={"ContentType": content_type}
            )
        except Exception as error:  # botocore/s3transfer raise several unrelated classes
            raise StorageFailedError(
                f"upload of {key} to bucket {self._bucket} failed: {_describe(error)}"
            ) from None
        return key

    def get_file(self, key: str, dest: Path) -> Path:
        partial = dest.with_name(f".{dest.name}.part")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            self._client.download_file(self._bucket, key, str(partial))
            partial.replace(dest)
        except Exception as error:
            partial.unlink(missing_ok=True)
            raise StorageFailedError(
                f"download of {key} from bucket {self._bucket} failed: {_describe(error)}"
            ) from None
        return dest

    def probe(self, key: str) -> None:
        """Put, head and delete a small object at `key` (`angel doctor`); StorageFailedError
        naming the step and the S3 error code when one fails.

        The bucket is looked up first: some S3 servers create a missing bucket on the first
        put, where R2 answers NoSuchBucket. A token that may not look buckets up (403) goes on
        to the put.
        """
        client, bucket = self._client, self._bucket
        try:
            client.head_bucket(Bucket=bucket)
        except Exception as error:
            described = _describe(error)
            if described.startswith(("404", "NoSuchBucket")):
                raise StorageFailedError(
                    f"bucket {bucket} does not exist (NoSuchBucket: {described})"
                ) from None
            if not described.startswith(("403", "AccessDenied")):
                raise StorageFailedError(f"lookup of bucket {bucket} failed: {described}") from None
        steps: tuple[tuple[str, str, dict[str, Any]], ...] = (
            ("put", "put_object", {"Body": b"probe"}),
            ("head", "head_object", {}),
            ("delete", "delete_object", {}),
        )
        for step, operation, extra in steps:
            try:
                getattr(client, operation)(Bucket=bucket, Key=key, **extra)
            except Exception as error:
                raise StorageFailedError(
                    f"{step} of {key} in bucket {self._bucket} failed: {_describe(error)}"
                ) from None


def _describe(error: BaseException) -> str:
    """Error code and message, never credentials (botocore messages do not contain them)."""
    cause: BaseException = error
    # s3transfer wraps the ClientError in S3UploadFailedError; report the S3 error itself.
    while getattr(cause, "response", None) is None and cause.__context__ is not None:
        cause = cause.__context__
    response = getattr(cause, "response", None)
    if isinstance(response, dict) and "Error" in response:
        details = response["Error"]
        return f"{details.get('Code', 'error')}: {details.get('Message', '')}".strip()
    return f"{type(error).__name__}: {error}"
