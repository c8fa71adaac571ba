"""``qingfeng bulletin --quarter``: load two quarters of cases from storage and write the negative-case bulletin."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from pipelines.bulletin import charts
from pipelines.bulletin.negative_cases import negative_cases_html, summarise, write_cases_csv
from pipelines.scoring.period import Period, PeriodError, previous_quarter
from pipelines.unit_scoring import load_cases
from qingfeng.storage.db import session_scope


def write_quarterly_bulletin(factory: sessionmaker[Session], quarter: Period, out_dir: Path, *,
                             district: str = "") -> dict[str, Path]:
    if not quarter.label[4:5] == "Q":
        raise PeriodError(f"反面案例通报按季度编制，请给出如 2018Q2 的季度 (a quarter is required): {quarter.label}")
    before = previous_quarter(quarter)
    with session_scope(factory) as s:
        summary = summarise(load_cases(s, quarter), load_cases(s, before))
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"csv": write_cases_csv(summary, out_dir / "cases.csv")}
    chart = None
    if summary.current or summary.previous:
        fig = charts.trend_figure(summary.current, summary.previous, (before.name_zh, quarter.name_zh),
                                  "各单位严重问题投诉：本季度与上季度")
        paths["trend"] = charts.save(fig, out_dir / "trend.png")
        chart = "trend.png"
    paths["html"] = out_dir / "bulletin.html"
    paths["html"].write_text(negative_cases_html(summary, quarter, before, district=district, chart=chart),
                             encoding="utf-8")
    return paths
