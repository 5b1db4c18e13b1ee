"""What the local test servers (``pxweb_server``, ``kolada_server``) share, standard library only.

A threaded HTTP server bound to a free port on ``127.0.0.1`` when the object is created (so
``url`` is usable right away), serving between :meth:`LocalHttpServer.start` and
:meth:`LocalHttpServer.stop` (or inside a ``with`` block); open connections are dropped on
stop. Faults are queued with :meth:`LocalHttpServer.inject`, requests are recorded in
``requests``, and answers are written (or cut off) by :meth:`LocalHttpServer._send_json`
(a document) or :meth:`LocalHttpServer._send_bytes` (bytes as they are, e.g. a recording).
A server subclass sets ``api_prefix`` and ``fault_kinds`` and implements ``_serve``.
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

BASE_FAULT_KINDS = ("status", "delay", "truncate", "close")


def json_number(value: float | int | None) -> float | int | None:
    """Map non-finite floats to ``None`` so that the answer stays valid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class Fault:
    """A queued fault: the next ``remaining`` requests whose path contains ``path_contains``."""

    kind: str
    path_contains: str
    remaining: int
    status: int
    headers: dict[str, str]
    delay: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, app: LocalHttpServer) -> None:
        self.app = app
        super().__init__(("127.0.0.1", 0), RequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that went away; report anything else."""
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        super().handle_error(request, client_address)


class RequestHandler(BaseHTTPRequestHandler):
    """Hands every request, whatever its method, to the server object's ``_serve``."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.app._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.app._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request logging."""

    def do_GET(self) -> None:
        self.server.app._serve(self)

    def do_POST(self) -> None:
        self.server.app._serve(self)

    def do_PUT(self) -> None:
        self.server.app._serve(self)

    def do_DELETE(self) -> None:
        self.server.app._serve(self)

    def do_PATCH(self) -> None:
        self.server.app._serve(self)


class LocalHttpServer:
    """Lifecycle, connections, faults and recording for a threaded server on ``127.0.0.1``."""

    api_prefix = ""
    fault_kinds: tuple[str, ...] = BASE_FAULT_KINDS

    def __init__(self) -> None:
        self.requests: list[Any] = []
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._httpd = _Server(self)
        host, port = self._httpd.server_address[:2]
        self._origin = f"http://{host}:{port}"
        self.url = f"{self._origin}{self.api_prefix}"

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Start serving in a daemon thread."""
        if self._stopped:
            raise RuntimeError(f"a stopped {type(self).__name__} cannot be started again")
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.02},
                name=f"{type(self).__name__}-{self.url}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop open connections and release the port."""
        if self._stopped:
            return
        self._stopped = True
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ faults

    def inject(
        self,
        kind: str,
        *,
        path_contains: str = "/data",
        times: int = 1,
        status: int = 503,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Queue a fault for the next ``times`` requests whose path contains ``path_contains``.

        Kinds: ``"status"`` (answer ``status`` with the server's error body and ``headers``),
        ``"delay"`` (sleep ``delay`` seconds, then answer normally), ``"truncate"`` (send the
        headers with the full ``Content-Length`` but only the first half of the body, then close
        the connection), ``"close"`` (close the connection without answering), and any kinds
        the server adds (see its ``fault_kinds``).
        """
        if kind not in self.fault_kinds:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {self.fault_kinds}")
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = Fault(kind, path_contains, times, status, dict(headers or {}), delay)
        with self._lock:
            self._faults.append(fault)

    # ------------------------------------------------------------------ request handling

    def _serve(self, handler: RequestHandler) -> None:
        raise NotImplementedError

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path_contains in path:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _record(self, record: Any) -> None:
        with self._lock:
            self.requests.append(record)

    @staticmethod
    def _send_json(
        handler: RequestHandler,
        status: int,
        payload: Any,
        content_type: str,
        headers: dict[str, str],
        *,
        truncate: bool = False,
    ) -> None:
        """Write a JSON answer; with ``truncate``, only its first half, then close."""
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        LocalHttpServer._send_bytes(handler, status, data, content_type, headers, truncate=truncate)

    @staticmethod
    def _send_bytes(
        handler: RequestHandler,
        status: int,
        data: bytes,
        content_type: str,
        headers: dict[str, str],
        *,
        truncate: bool = False,
    ) -> None:
        """Write an answer's bytes as they are; with ``truncate``, only the first half, then close."""
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if truncate:
            handler.close_connection = True
            data = data[: len(data) // 2]
        handler.wfile.write(data)
        handler.wfile.flush()
