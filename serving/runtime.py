"""What a server process holds while it runs: settings, the database, the triager, the key cache, the rate
limiter, the triage batcher and the PRODUCTION-pointer watcher. Built empty by ``create_app``; filled and
emptied by the lifespan (nothing is loaded at import)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

from qingfeng.settings import Settings
from serving.security import KeyCache, RateLimiter

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from classifiers.results import TriageResult
    from classifiers.triage import Triager

log = logging.getLogger("qingfeng.api")
BATCH_MAX = 32


@dataclass
class Runtime:
    settings: Settings
    model_check_seconds: float = 5.0
    sessions: sessionmaker[Session] | None = None
    triager: Triager | None = None
    keys: KeyCache = field(default_factory=KeyCache)
    limiter: RateLimiter | None = None
    batcher: TriageBatcher | None = None
    tasks: list[asyncio.Task] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.limiter is None:
            self.limiter = RateLimiter(self.settings.api_rate_limit_per_minute)

    async def triage(self, triager: Triager, text: str, channel: str | None) -> TriageResult:
        """Through the batcher when it runs (the lifespan starts it), else straight in a worker thread."""
        if self.batcher is not None and self.batcher.running:
            return await self.batcher.triage(triager, text, channel)
        return await run_in_threadpool(triager.triage, text, channel)


WARM_UP_TEXT = "派出所民警办理户籍时态度恶劣，让我来回跑了五趟。"


def load_warm(settings: Settings) -> Triager:
    """The PRODUCTION triager, warmed by one triage (dictionaries and tokenizer load on first use, which
    would otherwise cost the first caller seconds). Raises ``ModelsMissing`` when there is none."""
    from classifiers.triage import load_triager

    triager = load_triager(settings)
    triager.triage(WARM_UP_TEXT)
    return triager


def load_models(settings: Settings) -> Triager | None:
    """Like ``load_warm``, but ``None`` (logged) when there are no models yet: the server still starts and
    ``/readyz`` answers 503 until models are promoted (the watcher loads them) or reloaded by an admin."""
    from classifiers.triage import ModelsMissing

    try:
        return load_warm(settings)
    except ModelsMissing as exc:
        log.warning("models missing: %s", exc)
        return None


class TriageBatcher:
    """Opportunistic micro-batching: requests that arrive while a batch is being triaged wait and go
    together in the next ``triage_batch`` call (one feature-extraction pass instead of many). A lone
    request is never held back, so at low load this adds no latency.

    Triage is CPU-bound Python, so under the GIL a worker thread buys no parallelism; handing each batch to
    one costs a thread switch and a GIL hand-over back and forth with the event loop (measured at
    concurrency 8: about a tenth of the server's CPU per request; without them, about a sixth more
    requests per second). Batches of short texts, ``inline_chars`` characters in all at most, therefore
    run on the event loop itself: a bounded pause of a few milliseconds (about 4 µs of CPU per character on
    the development machine). Longer texts, up to the API's text limit, go to a worker thread so that the
    loop never stalls for long.
    """

    def __init__(self, max_batch: int = BATCH_MAX, inline_chars: int = 4000) -> None:
        self.max_batch = max_batch
        self.inline_chars = inline_chars
        self._queue: asyncio.Queue | None = None
        self._task: asyncio.Task | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._queue = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._work(), name="triage-batcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._task = None

    async def triage(self, triager: Triager, text: str, channel: str | None) -> TriageResult:
        future = asyncio.get_running_loop().create_future()
        await self._queue.put((triager, text, channel, future))
        return await future

    async def _work(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            batch = [item for item in batch if not item[3].cancelled()]
            for n, (items, inline) in enumerate(plan_runs(batch, self.inline_chars)):
                if n:
                    await asyncio.sleep(0)  # let the loop send the last run's answers and read new requests
                await self._run(items, inline)

    @staticmethod
    async def _run(items: list, inline: bool) -> None:
        triager = items[0][0]

        async def call(fn, *args):
            return fn(*args) if inline else await run_in_threadpool(fn, *args)

        try:
            results = await call(triager.triage_batch, [i[1] for i in items], [i[2] for i in items])
        except Exception:  # noqa: BLE001 - retry one by one so one bad text fails only its own request
            for _, text, channel, future in items:
                try:
                    result = await call(triager.triage, text, channel)
                except Exception as exc:  # noqa: BLE001
                    if not future.done():
                        future.set_exception(exc)
                else:
                    if not future.done():
                        future.set_result(result)
            return
        for (_, _, _, future), result in zip(items, results):
            if not future.done():
                future.set_result(result)


def plan_runs(batch: list, inline_chars: int) -> list[tuple[list, bool]]:
    """Split queued ``(triager, text, channel, future)`` items into ``triage_batch`` runs: one triager per
    run (a model reload may leave both in the queue), order kept; items that fit go in inline runs of at
    most ``inline_chars`` characters, the rest in one worker-thread run per triager. Returns
    ``[(items, inline)]``."""
    groups: dict[int, list] = {}
    for item in batch:
        groups.setdefault(id(item[0]), []).append(item)
    runs: list[tuple[list, bool]] = []
    for items in groups.values():
        threaded = [item for item in items if len(item[1]) > inline_chars]
        run: list = []
        size = 0
        for item in (item for item in items if len(item[1]) <= inline_chars):
            if run and size + len(item[1]) > inline_chars:
                runs.append((run, True))
                run, size = [], 0
            run.append(item)
            size += len(item[1])
        runs += [(part, inline) for part, inline in ((run, True), (threaded, False)) if part]
    return runs


async def watch_production_pointer(runtime: Runtime) -> None:
    """Every ``model_check_seconds``: pick up a changed PRODUCTION pointer (a stat and two tiny reads
    when nothing changed), or load models that were missing at start."""
    while True:
        await asyncio.sleep(runtime.model_check_seconds)
        try:
            if runtime.triager is None:
                if _pointers_present(runtime.settings):
                    runtime.triager = await run_in_threadpool(load_models, runtime.settings)
            elif await run_in_threadpool(runtime.triager.reload_if_changed):
                log.info("models reloaded: model_version=%s", runtime.triager.model_version)
        except Exception as exc:  # noqa: BLE001 - keep serving the models we have
            log.error("model reload failed: error=%s", type(exc).__name__)


def _pointers_present(settings: Settings) -> bool:
    from pathlib import Path

    from classifiers import registry
    from classifiers.triage import TRIAGE_MODELS

    return all(version for _, _, version in registry.pointer_state(Path(settings.model_dir), TRIAGE_MODELS))
