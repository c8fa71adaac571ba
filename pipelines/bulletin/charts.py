"""Bulletin charts (PNG, Chinese labels in the CJK font). Figures are built with matplotlib's object API
(no pyplot, no global backend state) and returned, so tests can inspect every text on them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from pipelines.scoring.ranking import UnitRanking
from qingfeng.codes import AGENCY_ZH, CATEGORY_CODES

CATEGORY_SHORT_ZH = {
    "low_efficiency": "效率不高", "formalism": "形式主义", "low_competence": "能力不强",
    "inaction_misconduct": "不作为乱作为", "abuse_for_profit": "以权谋利", "perverting_justice": "徇私枉法",
}
TIER_COLOURS = {"好": "#2e7d32", "较好": "#7cb342", "一般": "#f9a825", "差": "#c62828"}
SENTIMENT_COLOURS = (("positive", "正面", "#43a047"), ("neutral", "中性", "#bdbdbd"), ("negative", "负面", "#e53935"))
DPI = 110


def _figure(width: float, height: float):
    from classifiers.charts_font import use_cjk_font
    from matplotlib.figure import Figure

    use_cjk_font()
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def ranking_figure(rankings: Sequence[UnitRanking], tiers: Sequence[tuple[str, float]], title: str):
    """Composite with its 95 % interval per ranked unit (best on top), tier cut-offs, 约谈 marked."""
    ranked = [r for r in rankings if r.rank is not None]
    fig = _figure(7.2, 1.4 + 0.55 * max(len(ranked), 1))
    ax = fig.add_subplot()
    for y, r in enumerate(reversed(ranked)):
        m = r.measures
        colour = TIER_COLOURS.get(r.tier, "#546e7a")
        ax.errorbar(m.composite, y, xerr=[[m.composite - m.composite_low], [m.composite_high - m.composite]],
                    fmt="o", color=colour, ecolor=colour, capsize=4, markersize=7)
        note = f"{m.composite:.1f}（{r.tier}）" + ("  约谈" if r.interview else "")
        ax.annotate(note, (m.composite_high, y), xytext=(6, 0), textcoords="offset points", va="center",
                    fontsize=9, color="#c62828" if r.interview else "#263238")
    for name, minimum in tiers[:-1]:
        ax.axvline(minimum, color="#90a4ae", linestyle="--", linewidth=0.8)
        ax.text(minimum, len(ranked) - 0.4, f"{name}≥{minimum:g}", fontsize=8, color="#607d8b", ha="right")
    ax.set_yticks(range(len(ranked)), [f"{r.rank}. {AGENCY_ZH.get(r.unit, r.unit)}" for r in reversed(ranked)])
    ax.set_xlim(0, 112)
    ax.set_ylim(-0.6, len(ranked) - 0.1)
    ax.set_xlabel("综合得分（0–100），横线为95%区间")
    ax.set_title(title, fontsize=11)
    skipped = [AGENCY_ZH.get(r.unit, r.unit) for r in rankings if r.rank is None]
    if skipped:
        fig.text(0.01, 0.005, "样本不足未排名：" + "、".join(skipped), fontsize=8, color="#607d8b")
    return fig


def sentiment_figure(rankings: Sequence[UnitRanking], title: str):
    """Share of positive / neutral / negative open answers per unit, with the sentiment index."""
    rows = [r for r in rankings if sum(r.measures.sentiment_counts.values())]
    fig = _figure(7.2, 1.4 + 0.5 * max(len(rows), 1))
    ax = fig.add_subplot()
    for y, r in enumerate(reversed(rows)):
        counts = r.measures.sentiment_counts
        total = sum(counts.values())
        left = 0.0
        for key, _, colour in SENTIMENT_COLOURS:
            share = counts.get(key, 0) / total
            ax.barh(y, share, left=left, color=colour, height=0.6)
            left += share
        index = r.measures.sentiment_index
        label = f"指数 {index:+.2f}" if index is not None else f"仅 {total} 条"
        ax.text(1.02, y, label, va="center", fontsize=9)
    ax.set_yticks(range(len(rows)), [AGENCY_ZH.get(r.unit, r.unit) for r in reversed(rows)])
    ax.set_xlim(0, 1.22)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0", "25%", "50%", "75%", "100%"])
    ax.legend(handles=[_patch(c, zh) for _, zh, c in SENTIMENT_COLOURS], loc="lower right", fontsize=8,
              ncols=3, frameon=False, bbox_to_anchor=(1.0, 1.0))
    ax.set_xlabel("开放式意见情感占比")
    ax.set_title(title, fontsize=11, loc="left")
    return fig


def _patch(colour: str, label: str):
    from matplotlib.patches import Patch

    return Patch(color=colour, label=label)


def aspects_figure(rankings: Sequence[UnitRanking], title: str):
    """How many answers raise each of the six problems, per unit (a heat map with counts)."""
    import numpy as np

    units = [r.unit for r in rankings]
    grid = np.array([[r.measures.aspect_counts.get(c, 0) for c in CATEGORY_CODES] for r in rankings], dtype=float)
    fig = _figure(7.2, 1.6 + 0.5 * max(len(units), 1))
    ax = fig.add_subplot()
    ax.imshow(grid if grid.size else np.zeros((1, len(CATEGORY_CODES))), cmap="Reds", aspect="auto",
              vmin=0, vmax=max(1.0, float(grid.max()) if grid.size else 1.0))
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            ax.text(j, i, f"{int(grid[i, j])}", ha="center", va="center", fontsize=9,
                    color="white" if grid[i, j] > 0.6 * max(1.0, grid.max()) else "#263238")
    ax.set_xticks(range(len(CATEGORY_CODES)), [CATEGORY_SHORT_ZH[c] for c in CATEGORY_CODES], fontsize=9)
    ax.set_yticks(range(len(units)), [AGENCY_ZH.get(u, u) for u in units])
    ax.set_title(title, fontsize=11)
    return fig


def trend_figure(current: Mapping[str, int], previous: Mapping[str, int], labels: tuple[str, str], title: str):
    """Serious cases per unit, this quarter next to the previous one."""
    import numpy as np

    units = sorted(set(current) | set(previous), key=lambda u: (-current.get(u, 0), u))
    fig = _figure(7.2, 3.2)
    ax = fig.add_subplot()
    x = np.arange(len(units))
    ax.bar(x - 0.2, [previous.get(u, 0) for u in units], width=0.4, color="#90a4ae", label=labels[0])
    ax.bar(x + 0.2, [current.get(u, 0) for u in units], width=0.4, color="#c62828", label=labels[1])
    ax.set_xticks(x, [AGENCY_ZH.get(u, "未明确单位") for u in units], fontsize=9)
    ax.set_ylabel("严重问题案件数")
    ax.legend(fontsize=8, frameon=False)
    ax.set_title(title, fontsize=11)
    return fig


def figure_texts(fig) -> list[str]:
    """Every text drawn on ``fig`` (titles, tick labels, annotations, legend): for glyph checks."""
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=DPI, facecolor="white")
    return path
