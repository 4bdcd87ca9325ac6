"""A real HTTP server on loopback that plays the PBX and its archive, with faults on demand.

Tests and the demo point ``PBX_RECORDING_URL`` at `PbxStub.recording_url` and ``PBX_ARCHIVE_URL``
at `PbxStub.archive_url`; the stub serves the spec's three layouts from one server::

    /callrec/{apex_id}.gsm
    /monitor-{YYYY}/{MM}/{apex_id}.gsm
    /monitor-{YYYY}/{MM}/monitor/{apex_id}.gsm

and can make any path misbehave (`fault`): 404, 5xx a number of times then succeed, a slow
response or body, a reset mid-body, a redirect, an HTML page with 200, an oversized body.
It records every request path, so a test can check the order URLs were tried in::

    with PbxStub() as pbx:
        pbx.add_recording("1737123456.12345", gsm_bytes, layout=Layout.ARCHIVE)
        pbx.fault(pbx.paths("1737123456.12345")[0], ServerError(times=2))
        source = PbxRecordingSource(pbx.recording_url, pbx.archive_url)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import ssl
import struct
import sys
import threading
from dataclasses import dataclass
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

GSM_CONTENT_TYPE = "audio/x-gsm"


class Layout(Enum):
    """Where a recording lives: the live PBX, or one of the two archive layouts."""

    LIVE = 0
    ARCHIVE = 1
    ARCHIVE_MONITOR = 2


# --- Faults ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NotFound:
    """Answer 404 even if a file is there."""


@dataclass(frozen=True, slots=True)
class ServerError:
    """Answer `status` the first `times` requests, then serve the file normally."""

    times: int = 1
    status: int = 500


@dataclass(frozen=True, slots=True)
class SlowResponse:
    """Wait `delay_s` before sending anything (the client's read timeout fires first)."""

    delay_s: float


@dataclass(frozen=True, slots=True)
class SlowBody:
    """Send the file `chunk_bytes` at a time, `delay_s` apart (a slow drip)."""

    delay_s: float
    chunk_bytes: int = 33


@dataclass(frozen=True, slots=True)
class ResetMidBody:
    """Announce the whole file, send `after_bytes` of it, then reset the connection (RST)."""

    after_bytes: int


@dataclass(frozen=True, slots=True)
class Redirect:
    """Answer `status` with a Location header (relative, same host, or another host)."""

    location: str
    status: int = 302


@dataclass(frozen=True, slots=True)
class HtmlPage:
    """Answer 200 with an HTML error page, as some web servers do for a missing file."""

    content_type: str = "text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Oversized:
    """Stream `size_bytes` of GSM-looking data; with `announce_length` False, chunked."""

    size_bytes: int
    announce_length: bool = True


Fault = (
    NotFound
    | ServerError
    | SlowResponse
    | SlowBody
    | ResetMidBody
    | Redirect
    | HtmlPage
    | Oversized
)

HTML_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Recording not available</title></head>\n"
    b"<body><h1>Sorry</h1><p>The recording you asked for is not available.</p></body></html>\n"
)

_CONNECTION_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, ssl.SSLError)


@dataclass(slots=True)
class _File:
    data: bytes
    content_type: str


class PbxStub:
    """A threaded HTTP(S) server on loopback, on a port the OS picks (or `port`); a context
    manager."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self._files: dict[str, _File] = {}
        self._faults: dict[str, Fault] = {}
        self._errors_left: dict[str, int] = {}
        self._requests: list[str] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._ssl_context = ssl_context
        self._server = _Server((host, port), _Handler, stub=self, ssl_context=ssl_context)
        self._thread: threading.Thread | None = None
        self.unexpected_errors: list[BaseException] = []

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()  # wakes slow handlers
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- addresses --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        port: int = self._server.server_address[1]
        return port

    def base_url(self, host: str = "127.0.0.1") -> str:
        """``scheme://host:port`` (pass ``host="localhost"`` for a *different* host name)."""
        scheme = "https" if self._ssl_context else "http"
        return f"{scheme}://{host}:{self.port}"

    @property
    def recording_url(self) -> str:
        """The value for ``PBX_RECORDING_URL``."""
        return f"{self.base_url()}/callrec/"

    @property
    def archive_url(self) -> str:
        """The value for ``PBX_ARCHIVE_URL``."""
        return f"{self.base_url()}/"

    @staticmethod
    def paths(apex_id: str, call_date: dt.date | None = None) -> tuple[str, str, str]:
        """The three request paths for a call, in the order a client tries them."""
        if call_date is None:
            seconds = int(apex_id.split(".", 1)[0])
            call_date = dt.datetime.fromtimestamp(seconds, tz=dt.UTC).date()
        month = f"monitor-{call_date.year:04d}/{call_date.month:02d}"
        return (
            f"/callrec/{apex_id}.gsm",
            f"/{month}/{apex_id}.gsm",
            f"/{month}/monitor/{apex_id}.gsm",
        )

    # --- content and faults -----------------------------------------------------------------

    def add_recording(
        self,
        apex_id: str,
        data: bytes,
        *,
        layout: Layout = Layout.LIVE,
        call_date: dt.date | None = None,
    ) -> str:
        """Serve `data` as the call's recording under one layout; returns the path."""
        path = self.paths(apex_id, call_date)[layout.value]
        self.put(path, data)
        return path

    def put(self, path: str, data: bytes, *, content_type: str = GSM_CONTENT_TYPE) -> None:
        with self._lock:
            self._files[path] = _File(data, content_type)

    def fault(self, path: str, fault: Fault) -> None:
        """Make `path` misbehave (replacing any earlier fault on it)."""
        with self._lock:
            self._faults[path] = fault
            if isinstance(fault, ServerError):
                self._errors_left[path] = fault.times

    def clear_fault(self, path: str) -> None:
        with self._lock:
            self._faults.pop(path, None)
            self._errors_left.pop(path, None)

    @property
    def requests(self) -> list[str]:
        """Every request path so far, in order."""
        with self._lock:
            return list(self._requests)

    def request_count(self, path: str) -> int:
        with self._lock:
            return self._requests.count(path)

    # --- used by the handler ------------------------------------------------------------------

    def _lookup(self, path: str) -> tuple[_File | None, Fault | None]:
        with self._lock:
            self._requests.append(path)
            fault = self._faults.get(path)
            if isinstance(fault, ServerError):
                if self._errors_left.get(path, 0) > 0:
                    self._errors_left[path] -= 1
                else:
                    fault = None
            return self._files.get(path), fault

    def _wait(self, seconds: float) -> bool:
        """Sleep, unless the stub is closing; True when it is."""
        return self._closing.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        stub: PbxStub,
        ssl_context: ssl.SSLContext | None,
    ) -> None:
        super().__init__(address, handler)
        self.stub = stub
        self.ssl_context = ssl_context

    def get_request(self) -> tuple[Any, Any]:
        conn, address = super().get_request()
        if self.ssl_context is not None:
            # Handshake in the handler's thread, so a client that never completes it cannot
            # block the accept loop.
            conn = self.ssl_context.wrap_socket(
                conn, server_side=True, do_handshake_on_connect=False
            )
        return conn, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, _CONNECTION_ERRORS):
            self.stub.unexpected_errors.append(error)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the stub records requests in `PbxStub.requests` instead."""

    def finish(self) -> None:
        # The connection may have been reset on purpose, or by the client.
        with contextlib.suppress(OSError, ValueError):
            super().finish()

    def do_GET(self) -> None:
        try:
            self._serve()
        except _CONNECTION_ERRORS:
            self.close_connection = True  # the client went away (timeout, size cut-off)

    def _serve(self) -> None:
        stub = self.server.stub
        path = self.path.split("?", 1)[0]
        file, fault = stub._lookup(path)
        match fault:
            case NotFound():
                return self._plain(404, b"not found")
            case ServerError(status=status):
                return self._plain(status, b"server error")
            case Redirect(location=location, status=status):
                self.send_response(status)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            case HtmlPage(content_type=content_type):
                return self._send(200, HTML_ERROR_PAGE, content_type)
            case Oversized(size_bytes=size, announce_length=announce):
                return self._oversized(size, announce)
            case SlowResponse(delay_s=delay):
                if stub._wait(delay):
                    return None
        if file is None:
            return self._plain(404, b"not found")
        match fault:
            case SlowBody(delay_s=delay, chunk_bytes=chunk):
                self._headers(200, len(file.data), file.content_type)
                for start in range(0, len(file.data), chunk):
                    self.wfile.write(file.data[start : start + chunk])
                    self.wfile.flush()
                    if stub._wait(delay):
                        return None
                return None
            case ResetMidBody(after_bytes=after):
                self._headers(200, len(file.data), file.content_type)
                self.wfile.write(file.data[:after])
                self.wfile.flush()
                self._reset()
                return None
        return self._send(200, file.data, file.content_type)

    def _headers(self, status: int, length: int | None, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self._headers(status, len(body), content_type)
        self.wfile.write(body)

    def _plain(self, status: int, body: bytes) -> None:
        self._send(status, body, "text/plain")

    def _oversized(self, size: int, announce: bool) -> None:
        # GSM-looking frames (0xD magic nibble), so only the size can give it away.
        block = (b"\xd8" + b"\x00" * 32) * 2000
        self._headers(200, size if announce else None, GSM_CONTENT_TYPE)
        sent = 0
        while sent < size and not self.server.stub._closing.is_set():
            part = block[: size - sent]
            if announce:
                self.wfile.write(part)
            else:
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            sent += len(part)
        if not announce:
            self.wfile.write(b"0\r\n\r\n")

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
