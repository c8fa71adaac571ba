"""The public bulletin of 作风公开评议 results (bulletin.html, Chinese), from the scored period."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from pipelines.scoring.config import ScoringConfig
from pipelines.scoring.evidence import Evidence
from pipelines.scoring.ranking import UnitRanking
from qingfeng.codes import AGENCY_ZH

STYLE = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;max-width:960px;margin:2em auto;
color:#263238;line-height:1.7;padding:0 1em}
h1{text-align:center;font-size:1.5em}h2{font-size:1.15em;border-left:4px solid #c62828;padding-left:.5em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border:1px solid #cfd8dc;padding:.3em .5em;text-align:center}
th{background:#eceff1}td.l{text-align:left}.flag{color:#c62828;font-weight:bold}.note{color:#607d8b;font-size:.85em}
blockquote{margin:.3em 0 .3em 1em;padding:.2em .6em;border-left:3px solid #b0bec5;background:#fafafa;font-size:.9em}
img{max-width:100%}
"""


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None, fmt: str = "{:.1f}") -> str:
    return "—" if x is None else fmt.format(x)


def _name(unit: str) -> str:
    return escape(AGENCY_ZH.get(unit, unit))


def _evidence(items: Sequence[Evidence]) -> str:
    out = []
    for e in items:
        kind = "企业意见" if e.kind == "answer" else "投诉"
        out.append(f"<blockquote>【{kind}】{escape(e.text)}<br><span class='note'>{escape(e.detail)}</span></blockquote>")
    return "".join(out)


def _ranking_table(rankings: Sequence[UnitRanking]) -> str:
    head = ("<tr><th>排名</th><th>单位</th><th>有效问卷</th><th>企业满意率（95%区间）</th><th>情感指数</th>"
            "<th>投诉压力</th><th>综合得分（95%区间）</th><th>档次</th><th>与下一名差异</th></tr>")
    rows = []
    for r in rankings:
        m = r.measures
        sat = f"{_pct(m.satisfaction)}（{_pct(m.satisfaction_low)}–{_pct(m.satisfaction_high)}）"
        comp = "—" if r.rank is None else (f"{m.composite:.1f}（{m.composite_low:.1f}–{m.composite_high:.1f}）")
        nxt = {True: "显著", False: "不显著", None: "—"}[r.distinguishable_from_next]
        tier = f"<span class='flag'>{escape(r.tier)}</span>" if r.interview else escape(r.tier)
        rows.append(f"<tr><td>{r.rank or '—'}</td><td>{_name(m.unit)}</td><td>{m.n}</td><td>{sat}</td>"
                    f"<td>{_num(m.sentiment_index, '{:+.2f}')}</td><td>{_num(m.complaints.pressure, '{:.2f}')}</td>"
                    f"<td>{comp}</td><td>{tier}</td><td>{nxt}</td></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


ITEM_ZH = (("score", "总体满意度"), ("efficiency", "效率"), ("attitude", "态度"), ("fairness", "公正"),
           ("integrity", "廉洁"))


def _items_table(rankings: Sequence[UnitRanking]) -> str:
    """Mean 1–5 rating of each questionnaire item per unit (shown for diagnosis; not in the composite)."""
    head = "<tr><th>单位</th>" + "".join(f"<th>{zh}</th>" for _, zh in ITEM_ZH) + "</tr>"
    rows = "".join(f"<tr><td>{_name(r.unit)}</td>" + "".join(
        f"<td>{_num(r.measures.item_means.get(key), '{:.2f}')}</td>" for key, _ in ITEM_ZH) + "</tr>" for r in rankings)
    return f"<table>{head}{rows}</table><p class='note'>各项为 1–5 分均值，仅供分析，不计入综合得分。</p>"


def _flag_section(rankings: Sequence[UnitRanking], flag: str, empty: str) -> str:
    parts = []
    for r in rankings:
        for reason in r.reasons:
            if reason.flag == flag:
                parts.append(f"<h3>{_name(r.unit)}</h3><p>{escape(reason.text)}</p>{_evidence(reason.evidence)}")
    return "".join(parts) or (f"<p>{escape(empty)}</p>" if empty else "")


def method_html(cfg: ScoringConfig) -> str:
    w = cfg.weights
    c = cfg.complaints
    tiers = "、".join(f"{name} ≥ {minimum:g}" for name, minimum in cfg.tiers[:-1]) + f"，其余为{cfg.tiers[-1][0]}"
    return (
        f"<p>综合得分（0–100）= 100 ×（{w.satisfaction:g}×满意率 + {w.sentiment:g}×情感分 + {w.complaints:g}×投诉分"
        f" + {w.peer:g}×互评分）÷ 所用权重之和。某一分项缺失时（未提供互评、开放式意见少于"
        f" {cfg.min_texts_for_sentiment} 条、本期无投诉数据），该项不计，其余权重按比例放大。</p><ul>"
        f"<li>满意率：勾选“满意”“基本满意”的答卷占比；未勾选时以总体满意度 ≥ {cfg.satisfied_min_score} 分为满意；"
        f"区间为 Wilson 95% 区间。</li>"
        f"<li>情感分 =（情感指数 + 1）÷ 2；情感指数为开放式意见正面 +1、中性 0、负面 −1 的平均，区间为自助法"
        f"（{cfg.bootstrap_samples} 次重抽样，固定随机种子）95% 区间。</li>"
        f"<li>投诉分 = {c.half_score_pressure:g} ÷（{c.half_score_pressure:g} + 投诉压力）；投诉压力为本期涉及该单位的"
        f"投诉案件按严重程度加权之和（同一事项多渠道重复投诉只计一次；以权谋利、徇私枉法每件计"
        f" {c.severity_weights['abuse_for_profit']:g}，其他问题计 1–{c.severity_weights['inaction_misconduct']:g}）；"
        f"提供办案量时按每千件办案量计（半分点 {c.half_score_pressure_per_1000:g}）。</li>"
        f"<li>互评分：上下互评分数按 {cfg.peer_scale[0]:g}–{cfg.peer_scale[1]:g} 分折算为 0–1。</li>"
        f"<li>综合得分区间：各分项区间按相同权重合成（偏保守）。有效问卷少于 {cfg.min_respondents} 份的单位为“样本不足”，"
        f"不排名。</li><li>档次：{escape(tiers)}。</li>"
        f"<li>约谈：排名末位的单位（至多 {cfg.interview.max_units} 个且不超过参评单位半数），须与其余每个单位相比均"
        f"“明显靠后”——综合得分之差或满意率之差经单侧 {_pct(cfg.separation_level)} 水平检验显著大于 0"
        f"（由两单位各自的区间合成差值区间，即 MOVER / Newcombe 方法），且落后至少"
        f" {cfg.interview.min_gap_points:g} 分；被约谈单位不得评为“优秀”等次。差异不显著的单位不作约谈认定。</li>"
        f"<li>整顿重点：涉及该单位的投诉占全区 ≥ {_pct(cfg.focus.complaint_share)}（至少 {cfg.focus.min_cases} 件），"
        f"或严重问题投诉占全区同类 ≥ {_pct(cfg.focus.serious_share)}（至少 {cfg.focus.min_serious_cases} 件）。</li></ul>"
    )


def bulletin_html(*, title: str, period_zh: str, rankings: Sequence[UnitRanking], cfg: ScoringConfig,
                  answers_total: int, cases_total: int, serious_total: int, charts: dict[str, str],
                  notes: Sequence[str] = ()) -> str:
    """The whole page; ``charts`` maps ranking/sentiment/aspects to PNG file names beside the page."""
    ranked = [r for r in rankings if r.rank is not None]
    satisfied = sum(r.measures.satisfied for r in rankings)
    rated = sum(r.measures.n for r in rankings)
    overall = _pct(satisfied / rated) if rated else "—"
    img = {k: f"<p><img src='{escape(v)}' alt='{escape(k)}'></p>" for k, v in charts.items()}
    extra = "".join(f"<p class='note'>{escape(n)}</p>" for n in notes)
    complaints = (f"同期受理涉及政法单位的投诉 {cases_total} 件，其中以权谋利、徇私枉法等严重问题 {serious_total} 件。"
                  if cases_total else "本期没有已入库的投诉数据，投诉压力分项未计入综合得分。")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title><style>{STYLE}</style></head><body>
<h1>{escape(title)}</h1>
<h2>一、评议概况</h2>
<p>按照“为谁服务谁评议”的原则，{escape(period_zh)}由第三方机构组织企业问卷测评，共收回有效问卷 {answers_total} 份，
参评单位 {len(rankings)} 个（参与排名 {len(ranked)} 个），企业总体满意率 {overall}。{complaints}</p>{extra}
<h2>二、评议结果与档次</h2>{_ranking_table(rankings)}{img.get('ranking', '')}
<p class='note'>“与下一名差异”为“不显著”的相邻单位，得分差距在抽样误差范围内，名次先后不宜作区分性解读。</p>
<h2>三、结果运用</h2><h3>（一）约谈主要领导、不得评为“优秀”等次</h3>
{_flag_section(rankings, 'interview', '本期没有与其余单位差异显著的末位单位，不作约谈认定。')}
{_flag_section(rankings, 'not_separated', '')}
<h3>（二）列为整顿重点</h3>{_flag_section(rankings, 'focus', '本期没有投诉集中达到整顿重点标准的单位。')}
<h2>四、企业意见分析</h2>{_items_table(rankings)}{img.get('sentiment', '')}{img.get('aspects', '')}
<h2>五、计分方法</h2>{method_html(cfg)}
<p class='note'>受访企业均以假名处理，所引意见和投诉已隐去姓名、电话、证件号等个人信息；标注“模型判定，待人工核实”的投诉
须经人工核实后方可对外引用。</p>
</body></html>
"""
