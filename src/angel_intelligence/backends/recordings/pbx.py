"""Recordings from the PBX over HTTP(S): the live server first, then the two archive layouts.

The order and layouts are those of Pulse's ``CallRecordings.php`` (spec, "Recording Retrieval
Method")::

    {PBX_RECORDING_URL}{apex_id}.gsm
    {PBX_ARCHIVE_URL}monitor-{YYYY}/{MM}/{apex_id}.gsm
    {PBX_ARCHIVE_URL}monitor-{YYYY}/{MM}/monitor/{apex_id}.gsm

Each URL is fetched with bounded time and size, because a recording server is untrusted input
(research/reliability_anchors.md §5 item 11): the apex id is validated before it is put in a URL,
TLS is verified, redirects are followed only to the same scheme, host and port, and a download is
cut off past ``max_bytes`` or ``total_timeout_s``. A 404 moves on to the next URL at once; a 5xx,
408/429, timeout or reset is retried with exponential backoff (tenacity), then the next URL is
tried. All 404 → `RecordingNotFoundError`; anything else → `DownloadFailedError` naming every URL
tried and what happened there. docs/recordings.md has the table.
"""

from __future__ import annotations

import datetime as dt
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import BinaryIO, Self

import httpx2
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from angel_intelligence.domain.call import resolve_call_date, validate_apex_id
from angel_intelligence.errors import (
    DownloadFailedError,
    RecordingNotFoundError,
    RecordingTooLargeError,
)
from angel_intelligence.logging import get_logger

log = get_logger(__name__)

RECORDING_SUFFIX = ".gsm"
MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NOT_FOUND = frozenset({404, 410})
_TRANSIENT = frozenset({408, 425, 429})  # plus every 5xx
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HTML_STARTS = (b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")


def recording_urls(
    recording_url: str, archive_url: str, apex_id: str, call_date: dt.date
) -> tuple[str, str, str]:
    """The three URLs to try, in order. `apex_id` must already be validated."""
    name = f"{apex_id}{RECORDING_SUFFIX}"
    month = f"monitor-{call_date.year:04d}/{call_date.month:02d}"
    return (
        _join(recording_url, name),
        _join(archive_url, f"{month}/{name}"),
        _join(archive_url, f"{month}/monitor/{name}"),
    )


def _join(base: str, path: str) -> str:
    # The spec's values end in "/" but an operator may leave it off; never produce "//".
    return f"{base.rstrip('/')}/{path}"


def _shown(url: httpx2.URL | str) -> str:
    """The URL without user:password, for messages and logs."""
    parsed = httpx2.URL(str(url))
    return str(parsed.copy_with(username=None, password=None)) if parsed.userinfo else str(url)


def _origin(url: httpx2.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


class _Outcome(Enum):
    NOT_FOUND = "not found"
    TOO_LARGE = "too large"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class _Tried:
    """What happened at one URL, for the final error message."""

    url: str
    outcome: _Outcome
    detail: str

    def describe(self) -> str:
        return f"{self.url} ({self.detail})"


class _UrlFailed(Exception):
    """This URL did not give the recording; `outcome` says whether to look further."""

    def __init__(self, outcome: _Outcome, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail


class _Transient(_UrlFailed):
    """Worth another try at the same URL (5xx, 408/429, timeout, reset)."""

    def __init__(self, detail: str) -> None:
        super().__init__(_Outcome.FAILED, detail)


@dataclass(frozen=True, slots=True)
class UrlProbe:
    """One URL's answer to `PbxRecordingSource.probe`: its status, or None when none came."""

    url: str
    status: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class PbxOptions:
    """Where recordings are and how hard to try (the recordings section: PBX_*, DOWNLOAD_*)."""

    recording_url: str
    archive_url: str
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    total_timeout_s: float = 300.0
    max_bytes: int = 200 * 1024 * 1024
    attempts: int = 3
    backoff_s: float = 1.0
    deadline_s: float = 60.0
    """All URLs and tries of one download together (issue 19: a hung PBX frees the job slot)."""


class PbxRecordingSource:
    """`ports.RecordingSource` over HTTP(S) with the spec's three URL layouts."""

    def __init__(
        self,
        recording_url: str,
        archive_url: str,
        *,
        connect_timeout_s: float = 10.0,
        read_timeout_s: float = 60.0,
        total_timeout_s: float = 300.0,
        max_bytes: int = 200 * 1024 * 1024,
        attempts: int = 3,
        backoff_s: float = 1.0,
        backoff_max_s: float = 30.0,
        deadline_s: float = 60.0,
        verify: ssl.SSLContext | str | bool = True,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        if max_bytes < 1:
            raise ValueError("max_bytes must be positive")
        self.recording_url = recording_url
        self.archive_url = archive_url
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self.total_timeout_s = total_timeout_s
        self.max_bytes = max_bytes
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self.deadline_s = deadline_s
        self._verify = verify
        self._transport = transport

    @classmethod
    def from_options(cls, options: PbxOptions) -> Self:
        return cls(
            options.recording_url,
            options.archive_url,
            connect_timeout_s=options.connect_timeout_s,
            read_timeout_s=options.read_timeout_s,
            total_timeout_s=options.total_timeout_s,
            max_bytes=options.max_bytes,
            attempts=options.attempts,
            backoff_s=options.backoff_s,
            deadline_s=options.deadline_s,
        )

    def urls(self, apex_id: str, call_date: dt.date | None) -> tuple[str, str, str]:
        """The URLs `fetch` tries, in order (validates the apex id)."""
        validate_apex_id(apex_id)
        return recording_urls(
            self.recording_url, self.archive_url, apex_id, resolve_call_date(apex_id, call_date)
        )

    def fetch(self, apex_id: str, call_date: dt.date | None, dest_dir: Path) -> Path:
        """Download the recording to ``dest_dir/{apex_id}.gsm`` and return that path."""
        urls = self.urls(apex_id, call_date)
        dest_dir.mkdir(parents=True, exist_ok=True)
        target = dest_dir / f"{apex_id}{RECORDING_SUFFIX}"
        partial = target.with_name(target.name + ".part")
        tried: list[_Tried] = []
        give_up_at = time.monotonic() + self.deadline_s
        with self._client() as client:
            for url in urls:
                started = time.monotonic()
                if started >= give_up_at:
                    tried.append(_Tried(_shown(url), _Outcome.FAILED, "not tried: deadline"))
                    continue
                try:
                    size = self._fetch_with_retries(client, url, partial, give_up_at)
                except _UrlFailed as failure:
                    partial.unlink(missing_ok=True)
                    tried.append(_Tried(_shown(url), failure.outcome, failure.detail))
                    log.info(
                        "recording_url_failed",
                        url=_shown(url),
                        outcome=failure.outcome.value,
                        detail=failure.detail,
                    )
                    continue
                except BaseException:
                    partial.unlink(missing_ok=True)
                    raise
                partial.replace(target)
                log.info(
                    "recording_downloaded",
                    url=_shown(url),
                    size_bytes=size,
                    duration_s=round(time.monotonic() - started, 3),
                    earlier_urls=len(tried),
                )
                return target
        raise _final_error(apex_id, tried)

    def probe(self, apex_id: str, call_date: dt.date | None = None) -> list[UrlProbe]:
        """Ask each URL `fetch` would try, in its order, until one answers 2xx; saves nothing.

        HEAD first; a server that refuses HEAD (405, 501) gets a GET whose body is not read.
        One try per URL, no retries: this is for `angel doctor`, not for processing.
        """
        probes: list[UrlProbe] = []
        with self._client() as client:
            for url in self.urls(apex_id, call_date):
                try:
                    status = client.head(url).status_code
                    if status in (405, 501):
                        with client.stream("GET", url) as response:
                            status = response.status_code
                except httpx2.TransportError as error:
                    probes.append(UrlProbe(_shown(url), None, f"{type(error).__name__}: {error}"))
                    continue
                probes.append(UrlProbe(_shown(url), status, f"HTTP {status}"))
                if 200 <= status < 300:
                    break
        return probes

    # --- one URL ------------------------------------------------------------------------

    def _client(self) -> httpx2.Client:
        timeout = httpx2.Timeout(
            connect=self.connect_timeout_s,
            read=self.read_timeout_s,
            write=self.read_timeout_s,
            pool=self.connect_timeout_s,
        )
        return httpx2.Client(
            timeout=timeout,
            follow_redirects=False,  # followed by hand, same origin only
            verify=self._verify,
            transport=self._transport,
            headers={
                "User-Agent": "angel-intelligence",
                "Accept": "audio/x-gsm, audio/gsm, application/octet-stream;q=0.9, */*;q=0.1",
                # A compressed body would be inflated by the client; ask for the bytes as stored.
                "Accept-Encoding": "identity",
            },
        )

    def _fetch_with_retries(
        self, client: httpx2.Client, url: str, partial: Path, give_up_at: float
    ) -> int:
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts)
            | stop_after_delay(give_up_at - time.monotonic()),
            wait=_until(
                give_up_at,
                wait_exponential_jitter(
                    multiplier=self.backoff_s, max=self.backoff_max_s, jitter=self.backoff_s
                ),
            ),
            retry=retry_if_exception_type(_Transient),
            before_sleep=_log_retry(url),
            reraise=True,
        )
        try:
            size: int = retrying(self._fetch_once, client, url, partial, give_up_at)
        except _Transient as failure:
            tries = "try" if self.attempts == 1 else f"{self.attempts} tries"
            raise _Transient(f"{failure.detail}, after {tries}") from None
        return size

    def _fetch_once(self, client: httpx2.Client, url: str, partial: Path, give_up_at: float) -> int:
        """Stream one URL (following same-origin redirects) into `partial`; return its size."""
        now = time.monotonic()
        deadline = min(now + self.total_timeout_s, give_up_at)
        left = max(0.01, give_up_at - now)
        timeout = httpx2.Timeout(
            connect=min(self.connect_timeout_s, left),
            read=min(self.read_timeout_s, left),
            write=min(self.read_timeout_s, left),
            pool=min(self.connect_timeout_s, left),
        )
        current = httpx2.URL(url)
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                with client.stream("GET", current, timeout=timeout) as response:
                    if response.status_code in _REDIRECTS:
                        current = self._redirect_target(current, response)
                        continue
                    self._check_status(response)
                    return self._save_body(response, partial, deadline)
            except httpx2.TimeoutException as error:
                raise _Transient(f"{_timeout_kind(error)} timeout".lstrip()) from None
            except httpx2.TransportError as error:  # refused, reset, truncated body, TLS
                if _is_tls_failure(error):
                    raise _UrlFailed(_Outcome.FAILED, f"TLS error: {error}") from None
                raise _Transient(f"connection error: {type(error).__name__}: {error}") from None
            except httpx2.HTTPError as error:  # e.g. a body that does not decode
                raise _UrlFailed(_Outcome.FAILED, f"{type(error).__name__}: {error}") from None
        raise _UrlFailed(_Outcome.FAILED, f"more than {MAX_REDIRECTS} redirects")

    def _redirect_target(self, current: httpx2.URL, response: httpx2.Response) -> httpx2.URL:
        location = response.headers.get("location")
        if not location:
            raise _UrlFailed(_Outcome.FAILED, f"HTTP {response.status_code} without a Location")
        try:
            target = current.join(location)
        except httpx2.InvalidURL:
            shown = repr(location)[:80]
            raise _UrlFailed(_Outcome.FAILED, f"redirect to an invalid URL {shown}") from None
        if _origin(target) != _origin(current):
            # Following it would let the recording server make us fetch any host (SSRF).
            raise _UrlFailed(
                _Outcome.FAILED,
                f"redirect to another host refused: HTTP {response.status_code} to "
                f"{_shown(target)}",
            )
        return target

    def _check_status(self, response: httpx2.Response) -> None:
        status = response.status_code
        if status in _NOT_FOUND:
            raise _UrlFailed(_Outcome.NOT_FOUND, f"HTTP {status}")
        if status >= 500 or status in _TRANSIENT:
            raise _Transient(f"HTTP {status}")
        if status != 200:
            raise _UrlFailed(_Outcome.FAILED, f"HTTP {status}")
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "text/html":
            # Some servers answer a missing file with a 200 error page; the next URL may
            # have the real recording.
            raise _UrlFailed(_Outcome.FAILED, "HTTP 200 with an HTML page, not a recording")
        length = response.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            raise _UrlFailed(
                _Outcome.TOO_LARGE,
                f"{int(length)} bytes announced, more than the {self.max_bytes}-byte limit",
            )

    def _save_body(self, response: httpx2.Response, partial: Path, deadline: float) -> int:
        try:
            with partial.open("wb") as out:
                size = self._copy_body(response, out, deadline)
        except OSError as error:
            # The local disk, not the server: no other URL can help (e.g. TEMP_DIR is full).
            raise DownloadFailedError(
                f"could not write the recording to {partial.parent}: {error.strerror or error}"
            ) from None
        if size == 0:
            raise _UrlFailed(_Outcome.FAILED, "HTTP 200 with an empty body")
        return size

    def _copy_body(self, response: httpx2.Response, out: BinaryIO, deadline: float) -> int:
        size = 0
        # Chunks as they arrive (no re-buffering), so the size and time limits are checked on
        # every read.
        for chunk in response.iter_bytes():
            if size == 0 and chunk.lstrip()[:9].lower().startswith(_HTML_STARTS):
                raise _UrlFailed(_Outcome.FAILED, "HTTP 200 with an HTML page, not a recording")
            size += len(chunk)
            if size > self.max_bytes:
                raise _UrlFailed(
                    _Outcome.TOO_LARGE, f"cut off at {self.max_bytes} bytes (MAX_RECORDING_BYTES)"
                )
            if time.monotonic() > deadline:
                raise _Transient(
                    f"download took longer than {self.total_timeout_s:g} s ({size} bytes received)"
                )
            out.write(chunk)
        return size


def _until(moment: float, wait: Callable[[RetryCallState], float]) -> Callable[..., float]:
    """`wait`, but never sleeping past the download's deadline."""

    def capped(state: RetryCallState) -> float:
        return max(0.0, min(wait(state), moment - time.monotonic()))

    return capped


def _final_error(apex_id: str, tried: list[_Tried]) -> DownloadFailedError | RecordingNotFoundError:
    listing = "; ".join(item.describe() for item in tried)
    outcomes = {item.outcome for item in tried}
    if outcomes == {_Outcome.NOT_FOUND}:
        return RecordingNotFoundError(
            f"no recording for apex id {apex_id} at any of {len(tried)} URLs: {listing}"
        )
    message = f"could not download the recording for apex id {apex_id}: {listing}"
    if _Outcome.FAILED not in outcomes:
        # Only 404s and over-size bodies: the next attempt would find the same.
        return RecordingTooLargeError(message)
    return DownloadFailedError(message)


def _timeout_kind(error: httpx2.TimeoutException) -> str:
    return {
        httpx2.ConnectTimeout: "connect",
        httpx2.ReadTimeout: "read",
        httpx2.WriteTimeout: "write",
        httpx2.PoolTimeout: "pool",
    }.get(type(error), "")


def _is_tls_failure(error: httpx2.TransportError) -> bool:
    # A certificate that does not verify will not verify on the next try either.
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        cause = cause.__cause__ or cause.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(error)


def _log_retry(url: str) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        log.info(
            "recording_download_retry",
            url=_shown(url),
            attempt=state.attempt_number,
            wait_s=round(state.next_action.sleep, 3) if state.next_action else None,
            detail=getattr(error, "detail", str(error)),
        )

    return before_sleep
