"""A local stand-in for the online platform's message API that fails sometimes (tests only).

GET /messages?since=<cursor>&page_size=N → {"items": [...], "next_cursor": "<n>", "has_more": bool};
the cursor is the index after the last item returned. ``failures`` maps request numbers (1-based) to a
failure: "503", "timeout" (answers after ``slow_s``), "garbage" (a body that is not JSON), "404".
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FlakyMessageApi:
    def __init__(self, items: list[dict], failures: dict[int, str] | None = None, slow_s: float = 1.0) -> None:
        self.items = items
        self.failures = dict(failures or {})
        self.slow_s = slow_s
        self.requests: list[dict] = []
        self._lock = threading.Lock()

    def handle(self, path: str) -> tuple[int, bytes]:
        url = urlparse(path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        with self._lock:
            self.requests.append(query)
            number = len(self.requests)
        failure = self.failures.get(number)
        if failure == "timeout":
            time.sleep(self.slow_s)
        if failure == "503":
            return 503, b'{"error": "busy"}'
        if failure == "garbage":
            return 200, b"<html>gateway</html>"
        if failure == "404" or url.path != "/messages":
            return 404, b'{"error": "not found"}'
        start = int(query.get("since", 0))
        size = int(query.get("page_size", 10))
        page = self.items[start: start + size]
        end = start + len(page)
        body = {"items": page, "next_cursor": str(end), "has_more": end < len(self.items)}
        return 200, json.dumps(body, ensure_ascii=False).encode("utf-8")


@contextmanager
def serve_api(api: FlakyMessageApi):
    """Run ``api`` on 127.0.0.1 at a free port; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server naming
            status, body = api.handle(self.path)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
