"""The nightly ingestion flow (Prefect 3): extract → validate → redact → dedupe → classify → store → report.

Every file is parsed by its channel adapter as a stream; valid records and rejections are stored in
chunks of ``Settings.classify_chunk_size``, one transaction per chunk (quarantine rows included), so a run
killed at any point loses at most the chunk in flight (two with a triage pool: ``classify_workers`` > 1,
see ``pipelines.parallel_triage``), and the rerun skips what is stored (unique constraints on complaints
and quarantine). Retries are on I/O tasks only (files, HTTP, database).
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter, deque
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from pipelines import ledger
from pipelines.adapters.online import read_online_records
from pipelines.adapters.custody import letter_custody
from pipelines.adapters.report_box import ReportBoxLog, letter_id_of, unlogged_letters
from pipelines.channels import ChannelConfig, channels_path, load_channel_config
from pipelines.intake import IntakeOptions, Protected, protect_records, store_complaints
from pipelines.linking import ShingleMemory
from pipelines.online_api import Page, fetch_page
from pipelines.parallel_triage import PrefetchedTriager, TriagePool, triage_input
from pipelines.quarantine import add_rejections
from pipelines.records import CanonicalComplaint, Rejection, ValidationContext
from pipelines.sources import SourceFileRef, letters_by_id, list_source_files, parse_source
from pipelines.sql import refresh_statistics
from qingfeng.settings import Settings
from qingfeng.storage.db import connect, session_scope

FAULT_EXIT_ENV = "QINGFENG_FAULT_EXIT_AFTER_CHUNKS"  # crash tests: os._exit after N committed chunks
ANALYZE_EVERY_CHUNKS = 20  # PostgreSQL: refresh the planner's statistics as the night's rows pile up


class StorageError(RuntimeError):
    """A database failure, with the SQL parameters (reporter data) stripped from the message."""

    def __init__(self, exc: Exception) -> None:
        from sqlalchemy.exc import DBAPIError, OperationalError

        self.transient = isinstance(exc, OperationalError) or (
            isinstance(exc, DBAPIError) and bool(getattr(exc, "connection_invalidated", False)))
        self.integrity = exc.__class__.__name__ == "IntegrityError"
        super().__init__(f"数据库写入失败: {exc.__class__.__name__}")


def _io_failure(task, task_run, state) -> bool:
    """Retry only I/O failures: files, HTTP, transient database errors and unique-constraint races."""
    exc = state.data if isinstance(state.data, BaseException) else None
    if exc is None:
        try:
            exc = state.result(raise_on_failure=False)
        except Exception:  # noqa: BLE001 - an unreadable state is not worth a retry
            return False
    if isinstance(exc, StorageError):
        return exc.transient or exc.integrity
    return isinstance(exc, (OSError, TimeoutError))


_IO = dict(retries=3, retry_delay_seconds=[1, 5, 15], retry_condition_fn=_io_failure, cache_policy=NO_CACHE,
           persist_result=False)


@task(name="open-storage", **_IO)
def open_storage(database_url: str):
    return connect(database_url)


@task(name="load-models", cache_policy=NO_CACHE, persist_result=False)
def load_models(settings: Settings):
    """The PRODUCTION triage models (trained from data/ first when there are none): in this process, or
    in a pool of ``classify_workers`` processes."""
    from classifiers.triage import ensure_default_models, load_triager

    ensure_default_models(settings)
    if settings.classify_workers > 1:
        return TriagePool(settings, settings.classify_workers)
    return load_triager(settings)


@task(name="read-source-file", **_IO)
def read_source(path: Path) -> bytes:
    return Path(path).read_bytes()


@task(name="record-source-file", **_IO)
def record_source(factory, ref_channel: str, path: str, sha256: str, run_date: str, custody: dict | None) -> None:
    with session_scope(factory) as session:
        ledger.record_source_file(session, channel=ref_channel, path=path, sha256=sha256, run_date=run_date,
                                  custody=custody)
        if custody:
            ledger.set_custody(session, channel=ref_channel, sha256=sha256, custody=custody)


@task(name="store-chunk", **_IO)
def store_chunk(factory, triager, records: list[CanonicalComplaint], rejections: list[Rejection],
                run_id: int, options: IntakeOptions, protected: list[Protected | None] | None = None,
                shingles: ShingleMemory | None = None) -> dict[str, int]:
    """One transaction: quarantine the rejections, store (redact, link, triage) the records.

    ``protected``: the records already masked (``protect_records``); ``shingles``: the run's linking memory.
    """
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with session_scope(factory) as session:
            before = _quarantined_by(session, run_id)
            add_rejections(session, rejections, run_id=run_id, run_date=options.run_date)
            outcomes = store_complaints(session, records, triager, run_id, options=options, protected=protected,
                                        shingles=shingles)
            quarantined = _quarantined_by(session, run_id) - before
    except SQLAlchemyError as exc:
        raise StorageError(exc) from None
    counts = Counter(quarantined=quarantined)  # new quarantine rows (a repeat of an old one is not counted)
    for o in outcomes:
        counts["stored" if o.created else "rejected" if o.quarantined else "already_stored"] += 1
    return dict(counts)


def _quarantined_by(session, run_id: int) -> int:
    from sqlalchemy import func, select

    from qingfeng.storage.tables import QuarantineItem

    return session.scalar(select(func.count()).select_from(QuarantineItem).where(QuarantineItem.run_id == run_id))


@task(name="fetch-online-page", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE, persist_result=False)
def fetch_online_page(url: str, cursor: str | None, config: ChannelConfig) -> Page:
    import httpx

    with httpx.Client() as client:
        return fetch_page(client, url.rstrip("/") + config.online.api.path, cursor, config.online.api)


@task(name="write-report", **_IO)
def write_daily_report(factory, run_date: str, reports_dir: Path, drift_reference=None,
                       drift_threshold: float = 0.2) -> dict[str, Any]:
    from pipelines.report_output import write_report

    with session_scope(factory) as session:
        files = write_report(session, run_date, reports_dir, drift_reference, drift_threshold)
    create_markdown_artifact(files.markdown, key=f"nightly-report-{run_date}",
                             description=f"清风 {run_date} 投诉举报日报")
    return {"directory": str(files.directory), "markdown": str(files.markdown_path), "html": str(files.html_path),
            "charts": [str(p) for p in files.charts]}


class _Chunker:
    """Collects parsed items and stores them a chunk at a time.

    With a :class:`TriagePool`, a full chunk is sent to the pool for triage at once and stored when the
    next chunk is full (or at :meth:`drain`), so the workers classify while this process writes.
    """

    def __init__(self, factory, triager, run_id: int, options: IntakeOptions, size: int) -> None:
        self.factory, self.triager, self.run_id, self.options, self.size = factory, triager, run_id, options, size
        self.pool = triager if isinstance(triager, TriagePool) else None
        self.records: list[CanonicalComplaint] = []
        self.rejections: list[Rejection] = []
        self.pending: deque[tuple[list, list, Any, list]] = deque()
        self.shingles = ShingleMemory(options.dedupe.shingle)  # stored texts' shingle sets, across chunks
        self.counts: Counter = Counter()
        self.chunks = 0
        self.exit_after = int(os.environ.get(FAULT_EXIT_ENV, "0") or 0)

    def add(self, item: CanonicalComplaint | Rejection) -> None:
        (self.rejections if isinstance(item, Rejection) else self.records).append(item)
        if len(self.records) + len(self.rejections) >= self.size:
            self.flush()

    def flush(self) -> None:
        """Hand the collected items on: stored now, or (with a pool) triaged now and stored one chunk later."""
        if not self.records and not self.rejections:
            return
        records, rejections = self.records, self.rejections
        self.records, self.rejections = [], []
        if self.pool is None:
            self._store(records, rejections, self.triager)
            return
        protected = protect_records(records, self.options.max_text_chars)  # masked once: for the pool and the store
        self.pending.append((records, rejections, PrefetchedTriager(self.pool, *triage_input(protected)), protected))
        while len(self.pending) > 1:
            self._store(*self.pending.popleft())

    def drain(self) -> None:
        """Store everything handed on (call before the run is closed)."""
        self.flush()
        while self.pending:
            self._store(*self.pending.popleft())

    def _store(self, records: list, rejections: list, triager, protected: list | None = None) -> None:
        # quote(): Prefect would otherwise walk every record (and its dicts) twice per chunk looking for
        # futures; the chunk holds plain data, so that walk is pure overhead
        self.counts.update(store_chunk(self.factory, quote(triager), quote(records), quote(rejections),
                                       self.run_id, self.options, quote(protected), quote(self.shingles)))
        self.counts["parsed"] += len(records) + len(rejections)
        self.chunks += 1
        if self.chunks % ANALYZE_EVERY_CHUNKS == 0:
            with session_scope(self.factory) as session:
                refresh_statistics(session, "complaints")
        if self.exit_after and self.chunks >= self.exit_after:
            os._exit(75)  # fault injection for the crash-and-resume test: die right after a commit


def default_run_date(timezone: str) -> dt.date:
    """The night just ended: yesterday in the district's time zone."""
    return dt.datetime.now(ZoneInfo(timezone)).date() - dt.timedelta(days=1)


def _ingest_files(refs: list[SourceFileRef], config: ChannelConfig, ctx: ValidationContext, chunker: _Chunker,
                  factory, run_date: str) -> None:
    letters_raw = {ref.name: read_source(ref.path) for ref in refs if ref.role == "letter"}
    letters = letters_by_id(letters_raw)
    logged: set[str] = set()
    for ref in refs:
        if ref.role == "letter":
            continue
        data = read_source(ref.path)
        digest = ledger.sha256_of(data)
        record_source(factory, ref.channel, str(ref.path), digest, run_date, None)
        parsed = parse_source(ref, data, config, ctx, letters)
        for item in parsed:
            chunker.add(item)
        chunker.flush()
        if isinstance(parsed, ReportBoxLog):
            logged.update(parsed.logged_ids)
            record_source(factory, ref.channel, str(ref.path), digest, run_date, parsed.custody)
    for _, _, rejection in unlogged_letters(letters, logged):
        chunker.add(rejection)
    chunker.flush()
    for ref in refs:
        if ref.role == "letter":
            custody = letter_custody(letter_id_of(ref.name), logged)
            record_source(factory, ref.channel, str(ref.path), ledger.sha256_of(letters_raw[ref.name]), run_date,
                          custody)


def _ingest_online_api(url: str, config: ChannelConfig, ctx: ValidationContext, chunker: _Chunker,
                       factory) -> dict[str, Any]:
    with session_scope(factory) as session:
        cursor = ledger.last_online_cursor(session, url)
    pages = 0
    while True:
        page = fetch_online_page(url, cursor, config)
        pages += 1
        for item in read_online_records(page.items, config.online, ctx, source_file=f"api:{url}"):
            chunker.add(item)
        chunker.flush()
        cursor = page.next_cursor
        if not page.has_more or not page.items:
            break
    return {"url": url, "cursor": cursor, "pages": pages}


@flow(name="nightly-ingestion", log_prints=False)
def nightly(date: dt.date | None = None, source_dir: str | None = None,
            online_api_url: str | None = None) -> dict[str, Any]:
    """Take in one night of hotline, report-box and online complaints and write the morning report.

    ``date`` defaults to yesterday (``Settings.timezone``). ``source_dir`` (required) holds hotline/,
    report_box/ and online/ and may contain ``{date}`` (e.g. ``/srv/exports/{date}``); ``online_api_url`` is
    the base URL of the online platform's message API (optional).
    """
    if not source_dir:
        raise ValueError("source_dir is required (数据目录必须指定)")
    logger = get_run_logger()
    settings = Settings()
    run_date = (date or default_run_date(settings.timezone)).isoformat()
    source = Path(source_dir.format(date=run_date))
    config = load_channel_config(channels_path(settings.data_dir))
    ctx = ValidationContext(settings.max_text_chars, settings.timezone)
    factory = open_storage(settings.database_url)
    triager = load_models(settings)
    with session_scope(factory) as session:
        run_id = ledger.open_run(session, run_date, str(source))
    options = IntakeOptions(max_text_chars=settings.max_text_chars, run_date=run_date, timezone=settings.timezone)
    chunker = _Chunker(factory, triager, run_id, options, settings.classify_chunk_size)
    summary: dict[str, Any] = {"run_id": run_id, "run_date": run_date, "source_dir": str(source)}
    try:
        refs = list_source_files(source, config)
        logger.info("%s: %d source files under %s", run_date, len(refs), source)
        _ingest_files(refs, config, ctx, chunker, factory, run_date)
        if online_api_url:
            summary["online_api"] = _ingest_online_api(online_api_url, config, ctx, chunker, factory)
        chunker.drain()
        summary.update(chunker.counts)
        with session_scope(factory) as session:
            ledger.close_run(session, run_id, "completed", {k: v for k, v in summary.items() if k != "run_id"})
    except BaseException:
        with session_scope(factory) as session:
            ledger.close_run(session, run_id, "failed", dict(chunker.counts))
        raise
    finally:
        if chunker.pool is not None:
            chunker.pool.close()
    from pipelines.drift import load_drift_reference

    summary["report"] = write_daily_report(factory, run_date, settings.reports_dir, load_drift_reference(settings),
                                           settings.drift_psi_threshold)
    logger.info("%s: %s", run_date, {k: v for k, v in summary.items() if k not in ("report", "online_api")})
    return summary
