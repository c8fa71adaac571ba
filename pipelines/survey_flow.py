"""The ``survey_scoring`` Prefect flow: the same steps as ``qingfeng score``, each a task.

Serve it on a schedule with ``qingfeng score serve`` (cron ``Settings.survey_scoring_cron``; by default
the 5th of January, April, July and October at 03:00, scoring the quarter just ended), or from Python:
``survey_scoring.serve(name="survey-scoring", cron="0 3 5 1,4,7,10 *")``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipelines import survey_scoring as steps
from pipelines.scoring.period import Period, parse_period, quarter_before
from qingfeng.settings import Settings, get_settings


def _factory(settings: Settings):
    from qingfeng.storage.db import connect

    return connect(settings.database_url)


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=10)
def ingest_surveys(settings: Settings, period: Period, files: list[str]) -> list[dict]:
    return steps.ingest_files(_factory(settings), settings, period, [Path(f) for f in files])


@task(cache_policy=NO_CACHE)
def read_side_files(settings: Settings, peer_file: str | None, volume_file: str | None):
    cfg = steps.scoring_config(settings)
    peer, bad = steps.read_peer_scores(_factory(settings), settings, cfg, Path(peer_file) if peer_file else None)
    volume = steps.read_case_volume(settings, Path(volume_file) if volume_file else None)
    return peer, bad, volume


@task(cache_policy=NO_CACHE)
def analyse_answers(settings: Settings, period: Period) -> int:
    return steps.analyse_answers(_factory(settings), settings, period, steps.scoring_config(settings))


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=10)
def score_and_write(settings: Settings, period: Period, peer: dict, volume: dict, out_dir: str,
                    notes: tuple[str, ...]) -> dict:
    from pipelines.bulletin.tables import unit_row

    scored, outputs = steps.score_and_write(_factory(settings), settings, period, steps.scoring_config(settings),
                                            peer=peer, volume=volume, out_dir=Path(out_dir), notes=notes)
    return {"outputs": outputs, "units": [unit_row(r) for r in scored.rankings]}


def default_period(settings: Settings) -> Period:
    return quarter_before(datetime.now(ZoneInfo(settings.timezone)).date())


@flow(name="survey_scoring", log_prints=False)
def survey_scoring(period: str | None = None, survey_files: list[str] | None = None, peer_file: str | None = None,
                   volume_file: str | None = None, out_dir: str | None = None) -> dict:
    """Score a period (default: the quarter just ended); reports go to ``out_dir`` (default
    ``<reports_dir>/scoring/<period>``). Settings come from QINGFENG_* (``get_settings``).
    Returns the unit rows and the output paths."""
    settings = get_settings()
    p = parse_period(period) if period else default_period(settings)
    target = out_dir or str(Path(settings.reports_dir) / "scoring" / p.label)
    logger = get_run_logger()
    ingested = ingest_surveys(settings, p, list(survey_files or []))
    peer, bad_peer, volume = read_side_files(settings, peer_file, volume_file)
    analysed = analyse_answers(settings, p)
    notes = (f"互评文件有 {bad_peer} 行无效，已隔离待核。",) if bad_peer else ()
    result = score_and_write(settings, p, peer, volume, target, notes)
    flagged = [u["unit"] for u in result["units"] if u["interview"] == "true"]
    logger.info("评分完成 %s：分析答卷 %d 份，约谈单位 %s，输出 %s", p.label, analysed, flagged or "无", target)
    return {"period": p.label, "ingested": ingested, "analysed": analysed, **result}
