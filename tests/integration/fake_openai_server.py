"""A small real OpenAI-compatible chat server on loopback, replying from a script.

Each request takes the next scripted answer: a reply text (sent as
`choices[0].message.content`), or `(status, body)` for an HTTP error, or a delay first. Every
request body and its headers are recorded, so tests can check what a backend sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Delayed:
    seconds: float
    answer: Any


@dataclass
class HttpError:
    status: int
    body: dict[str, Any] = field(default_factory=lambda: {"error": {"message": "server error"}})


@dataclass
class FakeOpenAIServer:
    script: list[Any]
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    url: str = ""
    served_models: list[str] = field(default_factory=lambda: ["fake"])
    """What `GET /v1/models` lists (empty: the route answers 404, as some servers do)."""

    def next_answer(self) -> Any:
        if not self.script:
            return HttpError(500, {"error": {"message": "the test script has no more answers"}})
        return self.script.pop(0)


def _handler(server_state: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            if self.path != "/v1/models" or not server_state.served_models:
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            models = [{"id": m, "object": "model"} for m in server_state.served_models]
            self._send(200, {"object": "list", "data": models})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            server_state.requests.append(body)
            server_state.headers.append({k.lower(): v for k, v in self.headers.items()})
            if self.path != "/v1/chat/completions":
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            answer = server_state.next_answer()
            if isinstance(answer, Delayed):
                time.sleep(answer.seconds)
                answer = answer.answer
            if isinstance(answer, HttpError):
                self._send(answer.status, answer.body)
                return
            self._send(
                200,
                {
                    "id": f"chatcmpl-{len(server_state.requests)}",
                    "object": "chat.completion",
                    "model": body.get("model", "fake"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": answer},
                            "finish_reason": "stop",
                        }
                    ],
                },
            )

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                pass

    return Handler


@contextmanager
def fake_openai_server(script: list[Any]) -> Iterator[FakeOpenAIServer]:
    state = FakeOpenAIServer(script=list(script))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
