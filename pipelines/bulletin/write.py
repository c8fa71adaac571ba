"""Write a scored period to a directory: units.csv, units.xlsx, units.json, bulletin.html and its charts."""

from __future__ import annotations

from pathlib import Path

from pipelines.bulletin import charts, tables
from pipelines.bulletin.scores_html import bulletin_html
from pipelines.scoring.config import ScoringConfig
from pipelines.unit_scoring import ScoredPeriod

CHART_FILES = {"ranking": "ranking.png", "sentiment": "sentiment.png", "aspects": "aspects.png"}


def write_period_outputs(scored: ScoredPeriod, cfg: ScoringConfig, out_dir: Path, *, district: str = "",
                         extra_notes: tuple[str, ...] = ()) -> dict[str, Path]:
    """All files of one scoring; returns name -> path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    p = scored.period
    rankings = scored.rankings
    in_scope = [c for c in scored.cases if c.categories and c.units]
    paths = {
        "csv": tables.write_csv(rankings, out_dir / "units.csv"),
        "xlsx": tables.write_xlsx(rankings, out_dir / "units.xlsx"),
        "json": tables.write_json(rankings, out_dir / "units.json", {
            "period": p.label, "period_zh": p.name_zh, "start": p.start.isoformat(), "end": p.end.isoformat(),
            "answers": len(scored.answers), "cases": len(in_scope), "peer": scored.peer}),
    }
    figures = {
        "ranking": charts.ranking_figure(rankings, cfg.tiers, f"{p.name_zh}各单位综合得分及95%区间"),
        "sentiment": charts.sentiment_figure(rankings, "各单位企业开放式意见情感分布"),
        "aspects": charts.aspects_figure(rankings, "企业意见反映的问题（答卷数）"),
    }
    for name, fig in figures.items():
        paths[name] = charts.save(fig, out_dir / CHART_FILES[name])
    notes = list(extra_notes)
    if scored.unanalysed:
        notes.append(f"有 {scored.unanalysed} 条开放式意见尚未经情感模型分析，未计入情感指数。")
    html = bulletin_html(
        title=f"{p.name_zh}{district}政法机关作风公开评议结果通报", period_zh=p.name_zh, rankings=rankings, cfg=cfg,
        answers_total=len(scored.answers), cases_total=len(in_scope),
        serious_total=sum(1 for c in in_scope if c.serious), charts=CHART_FILES, notes=notes)
    paths["html"] = out_dir / "bulletin.html"
    paths["html"].write_text(html, encoding="utf-8")
    return paths
