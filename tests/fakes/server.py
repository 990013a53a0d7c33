"""A loopback HTTP server base for fakes: real sockets, a request log, and faults on command.

A fake subclasses `FakeServer` and implements `route`; tests call `fail(...)` to make
matching requests answer 429/500/401/403 or answer slowly, and read `requests` to assert
what the client really sent (e.g. "no request was retried").
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    status: int = 0
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    """Answer matching requests with ``status`` instead of the real answer.

    ``status=None`` answers normally (after ``delay``: a slow answer); ``status=0`` drops the
    connection without answering; ``applied=True`` carries the request out first and then
    answers with the error anyway (an answer lost after the write happened); ``raw`` answers
    with these bytes as the body, as they are (a malformed answer: ``fail(path, 200, raw=b"<html>")``).
    """

    method: str
    path: str
    status: int | None = 500
    times: int | None = 1
    skip: int = 0
    retry_after: str | None = None
    delay: float = 0.0
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    applied: bool = False
    raw: bytes | None = None
    seen: int = 0

    def claims(self, request: Request) -> bool:
        """Whether this fault applies to ``request`` (counts matches; call once per request)."""
        if request.method != self.method or not re.fullmatch(self.path, request.path):
            return False
        if any(request.query.get(k) != v for k, v in self.query.items()):
            return False
        self.seen += 1
        if self.seen <= self.skip:
            return False
        if self.times is not None:
            if self.times <= 0:
                return False
            self.times -= 1
        return True


class Response(Exception):
    """Raise from `route` to answer with an error status and JSON body."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


class FakeServer:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # Headers and body go out in separate writes; without this, Nagle's algorithm and
                # delayed ACKs add ~40 ms to every keep-alive request.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self):
                fake._handle(self)

            do_POST = do_PUT = do_DELETE = do_GET

            def log_message(self, format, *args):  # keep test output clean
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # ----- test controls --------------------------------------------------------------------
    def fail(self, path: str, status: int | None = 500, *, method: str = "GET", times: int | None = 1,
             skip: int = 0, retry_after: str | int | None = None, delay: float = 0.0,
             query: dict[str, str] | None = None, body: Any = None, applied: bool = False,
             raw: bytes | None = None) -> Fault:
        """Inject a fault for requests whose path fully matches the regex ``path``."""
        fault = Fault(method, path, status, times, skip, None if retry_after is None else str(retry_after),
                      delay, dict(query or {}), body, applied, raw)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def requests_to(self, path: str, method: str | None = None) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if re.fullmatch(path, r.path) and (method is None or r.method == method)]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----- serving ----------------------------------------------------------------------------
    def route(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        request = Request(handler.command, parts.path.rstrip("/") or "/", dict(parse_qsl(parts.query)),
                          _decode(raw, handler.headers.get("Content-Type", "")), dict(handler.headers.items()))
        with self.lock:
            self.requests.append(request)
            fault = next((f for f in self.faults if f.claims(request)), None)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.status == 0:
            request.status = 0
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault and fault.applied:
            try:
                with self.lock:
                    self.route(request)
            except Response:
                pass
        if fault and fault.status is not None and fault.raw is not None:
            request.status = fault.status
            _send_raw(handler, fault.status, fault.raw)
            return
        if fault and fault.status is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            body = fault.body if fault.body is not None else {"error": {"status": fault.status,
                                                                          "message": "injected fault"}}
            status = fault.status
        else:
            try:
                with self.lock:
                    status, body, headers = self.route(request)
            except Response as error:
                status, body, headers = error.status, error.body, error.headers
        request.status = status
        self._send(handler, status, body, headers)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str]) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            if body is not None:
                handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass


def _send_raw(handler: BaseHTTPRequestHandler, status: int, payload: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")  # what it claims to be, not what it is
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def _decode(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    text = raw.decode()
    if "application/x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(text))
    try:
        return json.loads(text)
    except ValueError:
        return text
