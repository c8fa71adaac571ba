"""Render a ``DailyReport`` as Chinese Markdown and HTML (same sections, same numbers)."""

from __future__ import annotations

import html
from pathlib import PurePath
from collections.abc import Sequence

from pipelines.adapters.custody import ISSUE_ZH
from pipelines.drift import drift_lines_zh
from pipelines.records import REASON_ZH
from pipelines.report import NO_AGENCY, DailyReport, ItemLine
from qingfeng.codes import AGENCY_CODES, AGENCY_ZH, CATEGORY_CODES, CATEGORY_ZH, CHANNEL_CODES, CHANNEL_ZH

CHARTS = {"categories.png": "问题类别分布（按渠道）", "agencies.png": "涉及单位分布", "quarantine.png": "隔离数据（按原因）"}


def _zh(code: str) -> str:
    if code == NO_AGENCY:
        return "未识别单位"
    return CATEGORY_ZH.get(code) or AGENCY_ZH.get(code) or CHANNEL_ZH.get(code) or REASON_ZH.get(code) or code


def _labels(codes: Sequence[str]) -> str:
    return "、".join(_zh(c) for c in codes) or "—"


def summary_lines(r: DailyReport) -> list[str]:
    channels = "，".join(f"{CHANNEL_ZH[c]} {r.by_channel.get(c, 0)} 件" for c in CHANNEL_CODES)
    linked = sum(len(g.members) for g in r.cases)
    return [
        f"共接收投诉举报 {r.total} 件（{channels}）。",
        f"属于整顿重点问题的 {r.total - sum(r.out_of_scope.values())} 件，范围外事项 {sum(r.out_of_scope.values())} 件。",
        f"需移交纪检监察的严重问题 {r.serious_total} 件；需人工复核 {r.review_total} 件。",
        f"重复或跨渠道反映合并为 {len(r.cases)} 个案件（涉及 {linked} 件）。",
        f"隔离待修复的数据 {sum(r.quarantine.values())} 条；举报箱开箱监管检查发现问题 "
        f"{sum(1 for c in r.custody if not c.get('ok', True))} 项。",
        *(drift_lines_zh(r.drift) if r.drift is not None else []),
    ]


def matrix_rows(r: DailyReport) -> list[list[str]]:
    """Rows of the category × agency × channel table (only non-empty combinations), with totals."""
    rows = []
    for category in CATEGORY_CODES:
        for agency in (*AGENCY_CODES, NO_AGENCY):
            counts = [r.matrix.get((category, agency, ch), 0) for ch in CHANNEL_CODES]
            if sum(counts):
                rows.append([_zh(category), _zh(agency), *map(str, counts), str(sum(counts))])
    return rows


MATRIX_HEADER = ["问题类别", "涉及单位", *(CHANNEL_ZH[c] for c in CHANNEL_CODES), "合计"]
ITEM_HEADER = ["编号", "渠道", "来源编号", "接收时间", "问题类别", "涉及单位", "内容（已脱敏）"]
SERIOUS_HEADER = [*ITEM_HEADER[:6], "建议承办", "内容（已脱敏）"]


def _item_row(item: ItemLine, serious: bool = False, width: int = 120) -> list[str]:
    text = item.text if serious or len(item.text) <= width else item.text[:width] + "…"
    row = [str(item.complaint_id), CHANNEL_ZH.get(item.channel, item.channel), item.source_id,
           item.received_at.strftime("%Y-%m-%d %H:%M"), _labels(item.categories), _labels(item.agencies)]
    return [*row, item.handler or "纪检监察机关", text] if serious else [*row, text]


def custody_rows(r: DailyReport) -> list[list[str]]:
    rows = []
    for entry in r.custody:
        if entry.get("kind") == "letter_file":
            if not entry.get("logged", True):
                rows.append([f"信件文件 {PurePath(entry.get('path', '')).name}", "—", "—", "—", "—",
                             _issues(entry.get("issues", []))])
            continue
        for o in entry.get("openings", []):
            rows.append([f"{PurePath(entry.get('log', '')).name} 箱{o['box']}", o["opened_at"], "、".join(o["seals"]) or "（无）",
                         f"{o['letters_logged']} / {o['files_present']}", str(o.get("openers", "")),
                         _issues(o["issues"]) + (f"（缺原件：{'、'.join(o['missing_files'])}）"
                                                 if o.get("missing_files") else "")])
    return rows


CUSTODY_HEADER = ["开箱记录", "开箱时间", "封条号", "登记信件 / 原件文件", "开箱人数", "检查结果"]
QUARANTINE_HEADER = ["渠道", "原因", "数量"]


def _issues(codes: Sequence[str]) -> str:
    return "、".join(ISSUE_ZH.get(c, c) for c in codes) or "正常"


def quarantine_rows(r: DailyReport) -> list[list[str]]:
    return [[CHANNEL_ZH.get(ch, ch), REASON_ZH.get(reason, reason), str(n)]
            for (ch, reason), n in sorted(r.quarantine.items())]


def case_rows(r: DailyReport) -> list[list[str]]:
    return [[str(g.case_id), "、".join(CHANNEL_ZH.get(c, c) for c in g.channels),
             "；".join(f"{CHANNEL_ZH.get(ch, ch)} {sid}（{at:%m-%d %H:%M}）" for _, ch, sid, at in g.members)]
            for g in r.cases]


CASE_HEADER = ["案件号", "涉及渠道", "合并的来源记录"]


def _sections(r: DailyReport) -> list[tuple[str, list[str], list[list[str]], str]]:
    """(title, header, rows, text when empty) of each table section."""
    more = lambda shown, total: f"（仅列出前 {shown} 件，共 {total} 件）" if total > shown else ""  # noqa: E731
    return [
        ("二、问题类别 × 涉及单位 × 渠道", MATRIX_HEADER, matrix_rows(r), "当日无整顿重点问题。"),
        ("三、严重问题（以权谋利、徇私枉法），建议移交纪检监察" + more(len(r.serious), r.serious_total),
         SERIOUS_HEADER, [_item_row(i, serious=True) for i in r.serious], "当日无严重问题。"),
        ("四、需人工复核" + more(len(r.review), r.review_total), ITEM_HEADER,
         [_item_row(i) for i in r.review], "当日无需复核事项。"),
        ("五、范围外事项" + more(len(r.out_of_scope_items), sum(r.out_of_scope.values())), ITEM_HEADER,
         [_item_row(i) for i in r.out_of_scope_items], "当日无范围外事项。"),
        ("六、重复及跨渠道反映合并的案件", CASE_HEADER, case_rows(r), "当日无合并案件。"),
        ("七、举报箱开箱监管检查", CUSTODY_HEADER, custody_rows(r), "当日无举报箱开箱记录。"),
        ("八、隔离数据汇总", QUARANTINE_HEADER, quarantine_rows(r), "当日无隔离数据。"),
    ]


def _md_cell(value: str) -> str:
    """A table cell: no row breaks, no column breaks, no raw HTML (the artifact is rendered in the UI)."""
    return html.escape(value, quote=False).replace("|", "｜").replace("\n", " ")


def render_markdown(r: DailyReport, charts: Sequence[str] = ()) -> str:
    out = [f"# 政法机关作风投诉举报日报（{r.run_date}）", "", "## 一、总体情况", ""]
    out += [f"- {line}" for line in summary_lines(r)]
    for title, header, rows, empty in _sections(r):
        out += ["", f"## {title}", ""]
        if not rows:
            out.append(empty)
            continue
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    if charts:
        out += ["", "## 九、图表", ""]
        out += [f"![{CHARTS.get(name, name)}]({name})" for name in charts]
    out += ["", f"<sub>模型版本：{'；'.join(r.model_versions) or '—'}。本报告不含举报人个人信息。</sub>", ""]
    return "\n".join(out)


def render_html(r: DailyReport, charts: Sequence[str] = ()) -> str:
    e = html.escape
    body = [f"<h1>政法机关作风投诉举报日报（{e(r.run_date)}）</h1>", "<h2>一、总体情况</h2>", "<ul>"]
    body += [f"<li>{e(line)}</li>" for line in summary_lines(r)]
    body.append("</ul>")
    for title, header, rows, empty in _sections(r):
        body.append(f"<h2>{e(title)}</h2>")
        if not rows:
            body.append(f"<p>{e(empty)}</p>")
            continue
        body.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr></thead><tbody>")
        body += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows]
        body.append("</tbody></table>")
    if charts:
        body.append("<h2>九、图表</h2>")
        body += [f'<figure><img src="{e(n)}" alt="{e(CHARTS.get(n, n))}"><figcaption>{e(CHARTS.get(n, n))}'
                 "</figcaption></figure>" for n in charts]
    body.append(f"<p><small>模型版本：{e('；'.join(r.model_versions) or '—')}。本报告不含举报人个人信息。</small></p>")
    style = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;}"
             "table{border-collapse:collapse;margin:1em 0;}td,th{border:1px solid #999;padding:4px 8px;"
             "vertical-align:top;}th{background:#eee;}img{max-width:100%;}")
    return ("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<title>作风投诉举报日报 {e(r.run_date)}</title><style>{style}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")
