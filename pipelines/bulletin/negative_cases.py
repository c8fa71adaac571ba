"""The quarterly bulletin of negative cases (每季度通报一次反面案例): serious complaints by unit, counts and
the trend against the previous quarter. Serious = abuse_for_profit or perverting_justice."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from pipelines.scoring.evidence import clip
from pipelines.scoring.inputs import Case
from pipelines.scoring.period import Period
from qingfeng.codes import AGENCY_ZH, CATEGORY_ZH, SERIOUS_CATEGORIES

UNATTRIBUTED = "unattributed"
CASE_TEXT_CHARS = 300


def unit_name(unit: str) -> str:
    return "未明确单位" if unit == UNATTRIBUTED else AGENCY_ZH.get(unit, unit)


@dataclass(frozen=True)
class NegativeCaseSummary:
    current: dict[str, int]  # unit -> serious cases this quarter
    previous: dict[str, int]
    by_category: dict[str, dict[str, int]]  # unit -> category -> cases this quarter
    cases: dict[str, list[Case]]  # unit -> serious cases this quarter, most recent first

    def trend(self, unit: str) -> str:
        now, before = self.current.get(unit, 0), self.previous.get(unit, 0)
        if now == before:
            return "持平"
        return f"上升 {now - before} 件" if now > before else f"下降 {before - now} 件"


def _units(case: Case) -> tuple[str, ...]:
    return case.units or (UNATTRIBUTED,)


def summarise(current: Sequence[Case], previous: Sequence[Case]) -> NegativeCaseSummary:
    """Counts per unit of this quarter's and last quarter's serious cases (a case naming two units counts
    for both)."""
    now = [c for c in current if c.serious]
    before = [c for c in previous if c.serious]
    by_category: dict[str, Counter] = {}
    listing: dict[str, list[Case]] = {}
    for c in now:
        for u in _units(c):
            by_category.setdefault(u, Counter()).update(x for x in c.categories if x in SERIOUS_CATEGORIES)
            listing.setdefault(u, []).append(c)
    for cases in listing.values():
        cases.sort(key=lambda c: (c.received_at, c.id), reverse=True)
    return NegativeCaseSummary(
        current=dict(Counter(u for c in now for u in _units(c))),
        previous=dict(Counter(u for c in before for u in _units(c))),
        by_category={u: dict(v) for u, v in by_category.items()},
        cases=listing,
    )


def write_cases_csv(summary: NegativeCaseSummary, path: Path) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["unit", "unit_zh", "case", "received", "categories", "confirmed", "text"])
        for unit, cases in sorted(summary.cases.items()):
            for c in cases:
                writer.writerow([unit, unit_name(unit), c.id, f"{c.received_at:%Y-%m-%d}",
                                 ";".join(c.categories), "true" if c.confirmed else "false", c.text])
    return path


def negative_cases_html(summary: NegativeCaseSummary, quarter: Period, previous: Period, *, district: str,
                        chart: str | None) -> str:
    units = sorted(set(summary.current) | set(summary.previous), key=lambda u: (-summary.current.get(u, 0), u))
    head = ("<tr><th>单位</th><th>以权谋利、弄权勒卡</th><th>徇私枉法、办人情案关系案金钱案</th>"
            f"<th>本季度合计</th><th>{escape(previous.name_zh)}</th><th>变化</th></tr>")
    rows = "".join(
        f"<tr><td>{escape(unit_name(u))}</td><td>{summary.by_category.get(u, {}).get('abuse_for_profit', 0)}</td>"
        f"<td>{summary.by_category.get(u, {}).get('perverting_justice', 0)}</td><td>{summary.current.get(u, 0)}</td>"
        f"<td>{summary.previous.get(u, 0)}</td><td>{escape(summary.trend(u))}</td></tr>" for u in units)
    total_now = len({c.id for cases in summary.cases.values() for c in cases})
    sections = []
    for u in units:
        cases = summary.cases.get(u, [])
        if not cases:
            continue
        items = "".join(
            f"<li><b>{c.received_at:%Y年%m月%d日}</b>［{escape('、'.join(CATEGORY_ZH.get(x, x) for x in c.categories))}］"
            f"{'' if c.confirmed else '<span class=flag>（模型判定，待人工核实）</span>'}<br>{escape(clip(c.text, CASE_TEXT_CHARS))}</li>"
            for c in cases)
        sections.append(f"<h3>{escape(unit_name(u))}（{len(cases)} 件）</h3><ol>{items}</ol>")
    img = f"<p><img src='{escape(chart)}' alt='trend'></p>" if chart else ""
    title = f"{quarter.name_zh}{district}政法机关反面案例通报"
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title><style>
body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-width:960px;margin:2em auto;padding:0 1em;line-height:1.7}}
h1{{text-align:center;font-size:1.5em}}table{{border-collapse:collapse;width:100%}}th,td{{border:1px solid #cfd8dc;padding:.3em .5em;text-align:center}}
th{{background:#eceff1}}.flag{{color:#c62828}}.note{{color:#607d8b;font-size:.85em}}img{{max-width:100%}}
</style></head><body><h1>{escape(title)}</h1>
<p>根据区政法机关作风整顿优化营商环境实施方案“每季度通报一次反面案例”的要求，现将{escape(quarter.name_zh)}
（{quarter.start:%Y年%m月%d日}至{quarter.end:%Y年%m月%d日}）群众和企业投诉中反映的以权谋利、弄权勒卡，徇私枉法、办人情案关系案金钱案
等严重问题通报如下。本季度共 {total_now} 件。</p>
<h2>一、分单位统计及与上季度比较</h2><table>{head}{rows}</table>{img}
<h2>二、案例摘要</h2>{''.join(sections) or '<p>本季度未发现严重问题投诉。</p>'}
<p class="note">案例文字已隐去姓名、电话、证件号等个人信息；同一事项多渠道重复投诉合并为一件。标注“模型判定，待人工核实”的案例
须经纪检监察部门核实后方可对外公开。</p></body></html>
"""
