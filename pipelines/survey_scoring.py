"""The steps of one scoring run, shared by ``qingfeng score`` and the ``survey_scoring`` Prefect flow:
ingest survey exports → quarantine bad 互评 rows → analyse open answers → score from storage → write reports.
Each step is a plain function of its inputs, so the flow can wrap each one as a task."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from pipelines.scoring.config import ScoringConfig, load_scoring_config
from pipelines.scoring.period import Period
from pipelines.unit_scoring import ScoredPeriod, score_stored_period
from qingfeng.settings import Settings


@dataclass
class ScoringRun:
    period: str
    ingested: list[dict] = field(default_factory=list)
    peer_quarantined: int = 0
    analysed: int = 0
    outputs: dict[str, str] = field(default_factory=dict)
    units: list[dict] = field(default_factory=list)


def scoring_config(settings: Settings) -> ScoringConfig:
    return load_scoring_config(Path(settings.data_dir) / "scoring.yaml")


def district_name(settings: Settings) -> str:
    import yaml

    doc = yaml.safe_load(Path(settings.agencies_path).read_text(encoding="utf-8")) or {}
    return str(doc.get("district", ""))


def ingest_files(factory: sessionmaker[Session], settings: Settings, period: Period, files: list[Path]) -> list[dict]:
    from pipelines.survey import ingest_survey_file

    return [ingest_survey_file(factory, settings, period.label, Path(f)).as_dict() for f in files]


def read_peer_scores(factory: sessionmaker[Session], settings: Settings, cfg: ScoringConfig,
                     path: Path | None) -> tuple[dict[str, float], int]:
    """互评 scores by unit; bad rows are quarantined (channel survey) and the run goes on."""
    if path is None:
        return {}, 0
    from pipelines.survey.files import read_peer
    from pipelines.survey.store import quarantine
    from pipelines.survey.unit_names import UnitNames
    from qingfeng.storage.db import session_scope

    scores, rejections = read_peer(Path(path), UnitNames.from_file(settings.agencies_path), cfg.peer_scale)
    if rejections:
        with session_scope(factory) as s:
            quarantine(s, rejections, run_id=None)
    return scores, len(rejections)


def read_case_volume(settings: Settings, path: Path | None) -> dict[str, float]:
    if path is None:
        return {}
    from pipelines.survey.files import read_volume
    from pipelines.survey.unit_names import UnitNames

    return read_volume(Path(path), UnitNames.from_file(settings.agencies_path))


def analyse_answers(factory: sessionmaker[Session], settings: Settings, period: Period, cfg: ScoringConfig) -> int:
    """Run the PRODUCTION survey model over the period's answers not yet analysed by it (trains the
    default models first when there is none, like ``qingfeng classify``)."""
    from classifiers.survey import load_survey_analyzer
    from classifiers.triage import ensure_default_models
    from pipelines.survey.store import analyse_period

    ensure_default_models(settings)
    analyzer = load_survey_analyzer(settings)
    return analyse_period(factory, analyzer, period.label, min_confidence=cfg.mismatch_confidence)


def score_and_write(factory: sessionmaker[Session], settings: Settings, period: Period, cfg: ScoringConfig, *,
                    peer: dict[str, float], volume: dict[str, float], out_dir: Path | None,
                    notes: tuple[str, ...] = ()) -> tuple[ScoredPeriod, dict[str, str]]:
    scored = score_stored_period(factory, period, cfg, peer=peer, volume=volume)
    outputs: dict[str, str] = {}
    if out_dir is not None:
        from pipelines.bulletin.write import write_period_outputs

        paths = write_period_outputs(scored, cfg, Path(out_dir), district=district_name(settings), extra_notes=notes)
        outputs = {k: str(v) for k, v in paths.items()}
    return scored, outputs


def run_scoring(settings: Settings, period: Period, *, surveys: list[Path] = (), peer_file: Path | None = None,
                volume_file: Path | None = None, out_dir: Path | None = None, analyse: bool = True) -> ScoringRun:
    """The whole run, without Prefect (the CLI path)."""
    from pipelines.bulletin.tables import unit_row
    from qingfeng.storage.db import connect

    cfg = scoring_config(settings)
    factory = connect(settings.database_url)
    run = ScoringRun(period=period.label)
    run.ingested = ingest_files(factory, settings, period, list(surveys))
    peer, run.peer_quarantined = read_peer_scores(factory, settings, cfg, peer_file)
    volume = read_case_volume(settings, volume_file)
    if analyse:
        run.analysed = analyse_answers(factory, settings, period, cfg)
    notes = (f"互评文件有 {run.peer_quarantined} 行无效，已隔离待核。",) if run.peer_quarantined else ()
    scored, run.outputs = score_and_write(factory, settings, period, cfg, peer=peer, volume=volume,
                                          out_dir=out_dir, notes=notes)
    run.units = [unit_row(r) for r in scored.rankings]
    return run
