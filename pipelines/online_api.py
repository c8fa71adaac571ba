"""Client of the online platform's paginated message API (since-cursor), with retries and backoff.

The API shape (documented in the README):

    GET {base_url}/messages?since=<cursor>&page_size=<n>
    200 → {"items": [{"msg_id", "submitted_at", "title", "content", "contact"}, ...],
           "next_cursor": "<opaque string>", "has_more": true|false}

``since`` is omitted on the very first fetch (everything). ``next_cursor`` is the position after the last
item of the page; the client asks again with it while ``has_more`` is true and remembers the last one for
the next night. Timeouts, connection errors, 5xx and 429 are retried with exponential backoff (and
jitter); other 4xx and malformed pages raise ``OnlineApiError`` after the retries.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from pipelines.channels import OnlineApiConfig


class OnlineApiError(RuntimeError):
    """The platform API could not be read (after retries)."""


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None
    has_more: bool


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, (httpx.TimeoutException, httpx.TransportError)):
        return True
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code >= 500 or exc.response.status_code == 429
    return isinstance(exc, _MalformedPage)


class _MalformedPage(ValueError):
    pass


def parse_page(body: Any, since: str | None) -> Page:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise _MalformedPage("response is not {'items': [...], ...}")
    cursor = body.get("next_cursor")
    if cursor is not None and not isinstance(cursor, (str, int)):
        raise _MalformedPage("next_cursor must be a string")
    has_more = bool(body.get("has_more", False))
    return Page(body["items"], str(cursor) if cursor is not None else since, has_more)


def backoff_delay(attempt: int, config: OnlineApiConfig, rng: random.Random) -> float:
    """Delay before retry ``attempt`` (1-based): exponential, capped, with up to 25% jitter."""
    base = min(config.backoff_max_s, config.backoff_s * (2 ** (attempt - 1)))
    return base * (1 + 0.25 * rng.random())


def fetch_page(client: httpx.Client, url: str, since: str | None, config: OnlineApiConfig,
               sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None) -> Page:
    """One page, retried on timeouts, transport errors, 5xx, 429 and malformed bodies."""
    rng = rng or random.Random()
    params: dict[str, Any] = {"page_size": config.page_size}
    if since is not None:
        params["since"] = since
    last: Exception | None = None
    for attempt in range(1, config.max_attempts + 1):
        try:
            response = client.get(url, params=params, timeout=config.timeout_s)
            response.raise_for_status()
            try:
                body = response.json()
            except ValueError as exc:
                raise _MalformedPage("response is not JSON") from exc
            return parse_page(body, since)
        except (httpx.HTTPError, _MalformedPage) as exc:
            if not _retryable(exc):
                raise OnlineApiError(f"网上平台接口请求失败: {exc.__class__.__name__} {exc}") from exc
            last = exc
            if attempt < config.max_attempts:
                sleep(backoff_delay(attempt, config, rng))
    raise OnlineApiError(f"网上平台接口重试 {config.max_attempts} 次仍失败: {last.__class__.__name__}") from last


def iter_pages(base_url: str, since: str | None, config: OnlineApiConfig, *,
               client: httpx.Client | None = None, sleep: Callable[[float], None] = time.sleep,
               max_pages: int = 100_000) -> Iterator[Page]:
    """Every page after ``since``; each page's ``next_cursor`` is the resume point once it is stored."""
    url = base_url.rstrip("/") + config.path
    own = client is None
    client = client or httpx.Client()
    try:
        cursor = since
        for _ in range(max_pages):
            page = fetch_page(client, url, cursor, config, sleep)
            yield page
            if not page.has_more or not page.items or page.next_cursor == cursor:
                return
            cursor = page.next_cursor
        raise OnlineApiError(f"网上平台接口超过 {max_pages} 页, 已停止")
    finally:
        if own:
            client.close()
