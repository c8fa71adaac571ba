"""Pure ASGI middleware: request ids and access logging, a 500 that tells nothing, and the body limit.

Log lines carry the request id, method, route template, status and latency only: never the path's
query string, headers, body or any text (complaints may hold personal data even before redaction).
"""

from __future__ import annotations

import itertools
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.errors import ApiError, STATUS_ERRORS, error_body

log = logging.getLogger("qingfeng.api")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


async def send_json(send: Send, status: int, body: dict, headers: list[tuple[bytes, bytes]] = ()) -> None:
    import json

    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode()), *headers]})
    await send({"type": "http.response.body", "body": payload})


_ID_PREFIX = uuid.uuid4().hex[:12]  # random per process
_ID_COUNTER = itertools.count(1)


def _new_request_id() -> str:
    """Unique per server: a random per-process prefix and a counter (a uuid4 per request reads urandom)."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER):012x}"


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _CLIENT_ID.match(candidate):
                return candidate
    return _new_request_id()


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "-"


class RequestContext:
    """Outermost user middleware: gives every request an id (``request.state.request_id`` and the
    ``X-Request-ID`` header), logs one line per request, and turns any unexpected exception into a
    500 JSON body with no stack trace (the exception's class name alone is logged)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False
        rid_header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [*message.get("headers", ()), rid_header]
            await send(message)

        error_class = None
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:  # noqa: BLE001 - the last line of defence; logged by class only
            error_class = type(exc).__name__
            status = 500
            if not response_started:
                code, message = STATUS_ERRORS[500]
                await send_json(send, 500, error_body(code, message, {"request_id": request_id}),
                                [rid_header])
        finally:
            latency_ms = (time.perf_counter() - started) * 1000
            if error_class:
                log.error("request_id=%s method=%s route=%s status=%s latency_ms=%.1f error=%s",
                          request_id, scope.get("method"), _route_template(scope), status, latency_ms,
                          error_class)
            elif log.isEnabledFor(logging.INFO):
                log.info("request_id=%s method=%s route=%s status=%s latency_ms=%.1f",
                         request_id, scope.get("method"), _route_template(scope), status, latency_ms)


class BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, "payload_too_large", f"请求体过大：最多 {limit} 字节", {"max_bytes": limit})


class BodyLimit:
    """Refuse bodies over ``max_bytes``: at once by Content-Length, and while streaming (chunked
    uploads or a Content-Length that lies) by counting the bytes received."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            err = BodyTooLarge(self.max_bytes)
            await send_json(send, 413, error_body(err.code, err.message, err.payload_detail))
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as err:  # raised outside a route (normally the route's handler answers)
            if response_started:
                raise
            await send_json(send, 413, error_body(err.code, err.message, err.payload_detail))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
