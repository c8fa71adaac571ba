"""The online platform API client against a local server that fails sometimes."""

from __future__ import annotations

import random

import pytest

from pipelines.channels import OnlineApiConfig
from pipelines.online_api import OnlineApiError, backoff_delay, iter_pages
from tests.online_api_server import FlakyMessageApi, serve_api

ITEMS = [{"msg_id": f"W{i:03d}", "submitted_at": "2018-06-12T10:00:00+08:00", "title": "",
          "content": f"第{i}条留言：派出所不作为", "contact": ""} for i in range(23)]
FAST = OnlineApiConfig(page_size=5, timeout_s=0.3, max_attempts=4, backoff_s=0.01, backoff_max_s=0.05)


def test_pages_are_read_through_timeouts_5xx_and_garbage():
    api = FlakyMessageApi(ITEMS, {1: "503", 3: "timeout", 4: "garbage", 7: "503"}, slow_s=1.0)
    with serve_api(api) as url:
        pages = list(iter_pages(url, None, FAST))
    got = [item["msg_id"] for page in pages for item in page.items]
    assert got == [item["msg_id"] for item in ITEMS]
    assert pages[-1].next_cursor == "23" and not pages[-1].has_more
    assert "since" not in api.requests[0]
    assert api.requests[-1] == {"since": "20", "page_size": "5"}


def test_since_cursor_resumes_after_the_last_item():
    api = FlakyMessageApi(ITEMS)
    with serve_api(api) as url:
        pages = list(iter_pages(url, "20", FAST))
    assert [i["msg_id"] for p in pages for i in p.items] == ["W020", "W021", "W022"]


def test_client_errors_are_not_retried():
    api = FlakyMessageApi(ITEMS, {1: "404"})
    with serve_api(api) as url, pytest.raises(OnlineApiError):
        list(iter_pages(url, None, FAST))
    assert len(api.requests) == 1


def test_gives_up_after_max_attempts():
    api = FlakyMessageApi(ITEMS, {n: "503" for n in range(1, 10)})
    with serve_api(api) as url, pytest.raises(OnlineApiError, match="重试 4 次"):
        list(iter_pages(url, None, FAST))
    assert len(api.requests) == 4


def test_backoff_grows_and_is_capped():
    config = OnlineApiConfig(backoff_s=0.5, backoff_max_s=4.0)
    rng = random.Random(0)
    delays = [backoff_delay(n, config, rng) for n in range(1, 7)]
    assert 0.5 <= delays[0] <= 0.625 and 1.0 <= delays[1] <= 1.25
    assert all(4.0 <= d <= 5.0 for d in delays[3:])
