"""Triage in worker processes, one chunk ahead of storage.

With ``Settings.classify_workers`` > 1 the nightly flow hands each chunk's texts to a pool of worker
processes (each holding the PRODUCTION triager) as soon as the chunk is parsed, and stores the chunk before
it later, so classification of chunk k+1 runs while chunk k is written. Storage still goes through the one
path (``pipelines.intake.store_complaints``); it receives a :class:`PrefetchedTriager` that answers
``triage_batch`` from the results computed ahead, and triages anything it was not given ahead (a text
whose masking differs, say) in the pool on the spot. Same models, same texts, same results as in-process.

Workers are spawned (no fork of a process that runs Prefect's threads) and load the models once. Results
travel back over the pool's pipes as :class:`classifiers.results.TriageResult` objects made by this code in
worker processes of the same run: nothing is read from disk.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from classifiers.results import TriageResult
from pipelines.intake import Protected

_worker_triager = None


def _init_worker(settings_json: str) -> None:
    global _worker_triager
    from classifiers.triage import load_triager
    from qingfeng.settings import Settings

    _worker_triager = load_triager(Settings.model_validate_json(settings_json))


def _triage_in_worker(texts: list[str], channels: list[str | None]) -> list[TriageResult]:
    return _worker_triager.triage_batch(texts, channels)


def triage_input(protected: Sequence[Protected | None]) -> tuple[list[str], list[str]]:
    """What ``store_complaints`` will hand to ``triage_batch`` for records protected by
    ``pipelines.intake.protect_records`` (the masked text and the channel of each record it would store;
    None stands for an empty or over-long text, quarantined, not triaged)."""
    texts, channels = [], []
    for p in protected:
        if p is not None:
            texts.append(p.text)
            channels.append(p.record.channel.value)
    return texts, channels


class TriagePool:
    """``workers`` processes, each with the PRODUCTION triager of ``settings``."""

    def __init__(self, settings, workers: int) -> None:
        self.workers = workers
        self.model_version: str | None = None
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_init_worker, initargs=(settings.model_dump_json(),))

    def submit(self, texts: list[str], channels: list[str | None]) -> list[tuple[list[str], Future]]:
        """Split across the workers; (texts, future of their results) per part."""
        if not texts:
            return []
        size = -(-len(texts) // self.workers)
        return [(texts[i:i + size], self._pool.submit(_triage_in_worker, texts[i:i + size], channels[i:i + size]))
                for i in range(0, len(texts), size)]

    def triage_batch(self, texts: list[str], channels: list[str | None] | None = None) -> list[TriageResult]:
        channels = list(channels) if channels is not None else [None] * len(texts)
        return [r for _, future in self.submit(list(texts), channels) for r in future.result()]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class PrefetchedTriager:
    """``triage_batch`` answered from results computed ahead for (text, channel) pairs."""

    def __init__(self, pool: TriagePool, texts: list[str], channels: list[str | None]) -> None:
        self.pool = pool
        self._channels = channels
        self._parts = pool.submit(texts, channels)

    def _ready(self) -> dict[tuple[str, str | None], TriageResult]:
        done: dict[tuple[str, str | None], TriageResult] = {}
        offset = 0
        for texts, future in self._parts:
            for k, (text, result) in enumerate(zip(texts, future.result())):
                done[(text, self._channels[offset + k])] = result
            offset += len(texts)
        return done

    def triage_batch(self, texts: list[str], channels: list[str | None] | None = None) -> list[TriageResult]:
        channels = list(channels) if channels is not None else [None] * len(texts)
        done = self._ready()
        missing = [i for i, key in enumerate(zip(texts, channels)) if key not in done]
        if missing:
            late = self.pool.triage_batch([texts[i] for i in missing], [channels[i] for i in missing])
            done.update({(texts[i], channels[i]): r for i, r in zip(missing, late)})
        return [done[key] for key in zip(texts, channels)]
