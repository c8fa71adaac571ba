"""Write the daily report: report.md, report.html and PNG charts (Chinese labels) under reports/<date>/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from pipelines.records import REASON_ZH
from pipelines.report import DailyReport, compute
from pipelines.report_render import CHARTS, render_html, render_markdown
from qingfeng.codes import AGENCY_CODES, AGENCY_ZH, CATEGORY_CODES, CATEGORY_ZH, CHANNEL_CODES, CHANNEL_ZH


@dataclass(frozen=True)
class ReportFiles:
    directory: Path
    markdown_path: Path
    html_path: Path
    charts: list[Path]
    markdown: str


def _figure(width: float = 9.0, height: float = 4.8):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _whole_numbers(axis) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def chart_categories(report: DailyReport, path: Path) -> None:
    import numpy as np

    fig = _figure()
    ax = fig.subplots()
    x = np.arange(len(CATEGORY_CODES))
    width = 0.8 / len(CHANNEL_CODES)
    for i, channel in enumerate(CHANNEL_CODES):
        counts = [report.by_category_channel.get((cat, channel), 0) for cat in CATEGORY_CODES]
        ax.bar(x + (i - (len(CHANNEL_CODES) - 1) / 2) * width, counts, width, label=CHANNEL_ZH[channel])
    ax.set_xticks(x, [CATEGORY_ZH[c].split("、")[0] for c in CATEGORY_CODES], rotation=15)
    ax.set_ylabel("件数")
    _whole_numbers(ax.yaxis)
    ax.set_title(f"{report.run_date} {CHARTS['categories.png']}")
    ax.legend()
    fig.savefig(path)


def chart_agencies(report: DailyReport, path: Path) -> None:
    fig = _figure(8.0, 4.2)
    ax = fig.subplots()
    counts = [report.by_agency.get(a, 0) for a in AGENCY_CODES]
    ax.barh([AGENCY_ZH[a] for a in AGENCY_CODES], counts, color="#4c72b0")
    ax.invert_yaxis()
    ax.set_xlabel("件数")
    _whole_numbers(ax.xaxis)
    ax.set_title(f"{report.run_date} {CHARTS['agencies.png']}")
    fig.savefig(path)


def chart_quarantine(report: DailyReport, path: Path) -> None:
    fig = _figure(8.0, 4.2)
    ax = fig.subplots()
    by_reason: dict[str, int] = {}
    for (_, reason), n in report.quarantine.items():
        by_reason[reason] = by_reason.get(reason, 0) + n
    reasons = sorted(by_reason) or ["—"]
    ax.barh([REASON_ZH.get(r, r) for r in reasons], [by_reason.get(r, 0) for r in reasons], color="#dd8452")
    ax.invert_yaxis()
    ax.set_xlabel("条数")
    _whole_numbers(ax.xaxis)
    ax.set_title(f"{report.run_date} {CHARTS['quarantine.png']}")
    fig.savefig(path)


def draw_charts(report: DailyReport, directory: Path) -> list[Path]:
    from classifiers.charts_font import use_cjk_font

    use_cjk_font()
    paths = []
    for name, draw in (("categories.png", chart_categories), ("agencies.png", chart_agencies),
                       ("quarantine.png", chart_quarantine)):
        path = directory / name
        draw(report, path)
        paths.append(path)
    return paths


def write_report(session: Session, run_date: str, reports_dir: Path, drift_reference=None,
                 drift_threshold: float = 0.2) -> ReportFiles:
    """Compute the report of ``run_date`` from storage and write it under ``reports_dir/<date>/``."""
    report = compute(session, run_date, drift_reference=drift_reference, drift_threshold=drift_threshold)
    directory = Path(reports_dir) / str(run_date)
    directory.mkdir(parents=True, exist_ok=True)
    charts = draw_charts(report, directory)
    names = [p.name for p in charts]
    markdown = render_markdown(report, names)
    md_path, html_path = directory / "report.md", directory / "report.html"
    md_path.write_text(markdown, encoding="utf-8")
    html_path.write_text(render_html(report, names), encoding="utf-8")
    return ReportFiles(directory, md_path, html_path, charts, markdown)
