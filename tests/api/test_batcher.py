"""The triage batcher: concurrent requests are grouped, and every caller gets its own result."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from serving.runtime import TriageBatcher, plan_runs
from tests.api.conftest import auth


class RecordingTriager:
    """Echoes each text back (upper-cased) and records the batch sizes it was given."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.batches: list[int] = []
        self.fail_on = fail_on
        self.gate = threading.Event()

    def triage(self, text, channel=None):
        if text == self.fail_on:
            raise ValueError("bad text")
        return (text.upper(), channel)

    def triage_batch(self, texts, channels=None):
        self.gate.wait(1.0)  # hold the first batch so that the others queue up behind it
        self.batches.append(len(texts))
        if self.fail_on in texts:
            raise ValueError("bad batch")
        return [(t.upper(), c) for t, c in zip(texts, channels)]


async def _run(triager, texts, inline_chars=0):
    batcher = TriageBatcher(max_batch=4, inline_chars=inline_chars)
    batcher.start()
    try:
        calls = [asyncio.ensure_future(batcher.triage(triager, t, f"ch{i}")) for i, t in enumerate(texts)]
        await asyncio.sleep(0.05)
        triager.gate.set()
        return await asyncio.gather(*calls, return_exceptions=True)
    finally:
        await batcher.stop()


def test_each_caller_gets_its_own_result_and_batches_form():
    triager = RecordingTriager()
    texts = [f"text-{i}" for i in range(10)]
    results = asyncio.run(_run(triager, texts))
    assert results == [(t.upper(), f"ch{i}") for i, t in enumerate(texts)]
    assert max(triager.batches) == 4 and sum(triager.batches) == 10 and len(triager.batches) < 10


def test_one_bad_text_fails_only_its_own_request():
    triager = RecordingTriager(fail_on="text-2")
    results = asyncio.run(_run(triager, [f"text-{i}" for i in range(4)]))
    assert isinstance(results[2], ValueError)
    assert [r for i, r in enumerate(results) if i != 2] == [("TEXT-0", "ch0"), ("TEXT-1", "ch1"), ("TEXT-3", "ch3")]


class ThreadRecordingTriager:
    """Records, per batch, its texts and whether it ran on the event loop's thread."""

    def __init__(self, loop_thread: int) -> None:
        self.loop_thread = loop_thread
        self.runs: list[tuple[list[str], bool]] = []

    def triage(self, text, channel=None):
        return self.triage_batch([text], [channel])[0]

    def triage_batch(self, texts, channels=None):
        self.runs.append((list(texts), threading.get_ident() == self.loop_thread))
        return [(t.upper(), c) for t, c in zip(texts, channels)]


def test_short_texts_run_on_the_loop_and_long_ones_in_a_worker_thread():
    async def scenario():
        triager = ThreadRecordingTriager(threading.get_ident())
        batcher = TriageBatcher(max_batch=8, inline_chars=10)
        batcher.start()
        try:
            texts = ["aaaa", "bbbb", "c" * 11, "dddd", "e" * 30]
            calls = [batcher.triage(triager, t, None) for t in texts]
            results = await asyncio.gather(*calls)
        finally:
            await batcher.stop()
        return texts, results, triager.runs

    texts, results, runs = asyncio.run(scenario())
    assert results == [(t.upper(), None) for t in texts]
    on_loop = [t for batch, inline in runs if inline for t in batch]
    in_thread = [t for batch, inline in runs if not inline for t in batch]
    assert sorted(on_loop) == ["aaaa", "bbbb", "dddd"] and sorted(in_thread) == ["c" * 11, "e" * 30]
    assert all(sum(map(len, batch)) <= 10 for batch, inline in runs if inline)


def test_plan_runs_keeps_one_triager_per_run_order_and_the_character_budget():
    a, b = object(), object()
    items = [(a, "xx", None, 1), (b, "yy", None, 2), (a, "zzz", None, 3), (a, "w" * 9, None, 4), (a, "v", None, 5)]
    runs = plan_runs(items, inline_chars=5)
    assert [([i[3] for i in run], inline) for run, inline in runs] == [
        ([1, 3], True), ([5], True), ([4], False), ([2], True)]
    assert plan_runs(items, inline_chars=0) == [([items[0], items[2], items[3], items[4]], False), ([items[1]], False)]
    assert plan_runs([], 100) == []


def test_concurrent_api_requests_get_their_own_triage(client, keys, triager):
    texts = ["法院执行局的法官拖着不执行，判决下来两年钱一分没拿到", "检察院控告申诉窗口的人推来推去",
             "派出所民警办理户籍时态度恶劣，让我来回跑了五趟", "司法所的调解员收了对方的钱，调解明显偏向",
             "政法委的网格员天天来拍照打卡，问题一个没解决", "交警罚款不开票，钱去哪了不知道"] * 3

    def call(text):
        r = client.post("/v1/triage", json={"text": text}, headers=auth(keys["intake"]))
        return text, r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(call, texts))
    fields = ("categories", "agencies", "evidence", "category_scores")
    for text, status, body in answers:
        assert status == 200
        expected = triager.triage(text).as_dict()
        assert {k: body[k] for k in fields} == {k: expected[k] for k in fields}, text
