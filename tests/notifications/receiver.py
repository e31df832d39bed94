"""A local HTTP receiver for webhook tests: records every POST, answers from a script."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Status codes to answer, in turn; when they run out, `default`.
    script: list[int] = field(default_factory=list)
    default: int = 200
    location: str = ""  # sent with a 3xx
    delay: float = 0.0  # seconds before answering (a slow receiver)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, received: Received) -> int:
        with self.lock:
            self.requests.append(received)
            return self.script.pop(0) if self.script else self.default

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.requests)


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver = holder["r"]
            length = int(self.headers.get("Content-Length", "0"))
            received = Received(self.path, dict(self.headers.items()), self.rfile.read(length))
            if receiver.delay:
                time.sleep(receiver.delay)
            code = receiver.answer(received)
            self.send_response(code)
            if 300 <= code < 400:
                self.send_header("Location", receiver.location)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_GET = do_POST  # a followed redirect would arrive as a GET

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}")
    holder["r"] = receiver
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1, with private targets allowed as the tests need."""
    settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE = True
    receiver, server = start_receiver()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
