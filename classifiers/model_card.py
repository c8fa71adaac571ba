"""MODEL_CARD.md of a model version: data, metrics, deltas against PRODUCTION, intended use, limitations.

A pure function of the dictionaries the retraining step already has; written in Chinese for analysts.
"""

from __future__ import annotations

from collections.abc import Mapping

from qingfeng.codes import AGENCY_ZH, CATEGORY_ZH, SENTIMENT_ZH

LABEL_ZH: dict[str, str] = {**CATEGORY_ZH, **AGENCY_ZH, **SENTIMENT_ZH, "out_of_scope": "不属受理范围"}
TASK_ZH = {"categories": "问题类别（六类整顿重点，多标签）", "agencies": "被反映单位（多标签）",
           "sentiment": "满意度调查回答的情感与问题方面"}
INTENDED_USE = {
    "categories": "为群众投诉自动标注六类作风问题，作为分办和统计的初步依据；模型不确定的件（needs_review）必须由人工复核。",
    "agencies": "识别投诉所反映的政法单位，用于分办；同样以人工复核为准。",
    "sentiment": "对企业满意度调查的开放回答判断情感与问题方面，供单位评分参考。",
}
LIMITATIONS = [
    "训练数据为本区人工撰写与人工标注的语料，遇到新的表述、新的事件类型或其他地区的用语时效果可能下降（见每日报告中的漂移监测）。",
    "近期人工标注留出集规模较小，其上的 F1 与置信区间波动较大，仅供参考。",
    "分数为模型估计的概率，不是事实认定；任何处理决定都须由工作人员依据原件作出。",
    "个人信息在训练和预测前已遮蔽；模型不应用于识别举报人。",
]


def _label(label: str) -> str:
    return f"{LABEL_ZH.get(label, label)}（{label}）"


def _metric_lines(metrics: Mapping) -> list[str]:
    lines = ["| 标签 | 精确率 | 召回率 | F1 | 样本数 |", "|---|---|---|---|---|"]
    for label, row in metrics.get("per_label", {}).items():
        lines.append(f"| {_label(label)} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | {row['support']} |")
    summary = [f"macro-F1 {metrics['macro_f1']:.3f}"] if "macro_f1" in metrics else []
    if "micro_f1" in metrics:
        summary.append(f"micro-F1 {metrics['micro_f1']:.3f}")
    if isinstance(metrics.get("oos"), Mapping):
        summary.append(f"不属受理范围 F1 {metrics['oos']['f1']:.3f}")
    if "accuracy" in metrics:
        summary.append(f"准确率 {metrics['accuracy']:.3f}")
    return lines + ["", "；".join(summary)] if summary else lines


def _delta_lines(result: Mapping) -> list[str]:
    rows = result["per_label"]
    if not rows or "delta" not in next(iter(rows.values())):
        return ["（无生产版本可比较）"]
    lines = ["| 标签 | 生产版 F1 | 候选版 F1 | 变化 | 95% 置信区间 | 样本数 |", "|---|---|---|---|---|---|"]
    for label, row in rows.items():
        lines.append(f"| {_label(label)} | {row['baseline_f1']:.3f} | {row['candidate_f1']:.3f} | {row['delta']:+.3f} "
                     f"| [{row['low']:+.3f}, {row['high']:+.3f}] | {row['support']} |")
    return lines


def render_model_card(*, name: str, version: str, backend: str, data: Mapping, metrics: Mapping,
                      comparison: Mapping) -> str:
    """``data``: counts and hashes; ``metrics``: test-split metrics (+ ``holdout``); ``comparison``: see
    :mod:`classifiers.compare` (``baseline``, ``slices``, ``gate``, ``max_drop``, ``rounds``, ``seed``)."""
    gate = comparison.get("gate") or {}
    baseline = comparison.get("baseline") or "（无）"
    lines = [
        f"# 模型说明书 MODEL CARD — {name} / {version}", "",
        f"- 任务：{TASK_ZH.get(name, name)}",
        f"- 后端：{backend}",
        f"- 比较基准（当时的生产版本）：{baseline}",
        f"- 晋升门槛：任一标签 F1 下降不超过 {comparison.get('max_drop', 0):.3f}"
        f"（样本数少于 {comparison.get('min_support', 5)} 的标签只报告不计入）",
        f"- 门槛结论：{'通过' if gate.get('allowed', True) else '不通过'}", "",
        "## 数据 Data", "",
        f"- 语料训练集：{data.get('n_corpus_train', 0)} 条（data/corpus，sha256 {str(data.get('corpus_sha256', ''))[:12]}）",
        f"- 人工标注（human_confirmed / human_corrected）用于训练：{data.get('n_human_train', 0)} 条；"
        f"其中与测试集文本重复而剔除 {data.get('n_human_dropped_test_overlap', 0)} 条",
        f"- 近期人工标注留出集（最新 {data.get('holdout_fraction', 0):.0%}，不参与训练）：{data.get('n_holdout', 0)} 条",
        f"- 固定测试集：{data.get('n_test', 0)} 条",
        "- 模型自动打的标签（provenance=model）从不作为训练数据。", "",
        "## 测试集指标 Metrics (test split)", "", *_metric_lines(metrics), "",
    ]
    if metrics.get("holdout"):
        lines += ["## 近期人工标注留出集指标 Metrics (recent human labels)", "", *_metric_lines(metrics["holdout"]), ""]
    lines += ["## 与生产版本比较 Comparison with PRODUCTION", ""]
    for slice_name, result in (comparison.get("slices") or {}).items():
        title = {"test": "固定测试集", "holdout": "近期人工标注留出集"}.get(slice_name, slice_name)
        lines += [f"### {title}（{result['n']} 条）", "", *_delta_lines(result), ""]
    lines.append(f"置信区间：对样本有放回重抽 {comparison.get('rounds', 0)} 次（种子 {comparison.get('seed', 0)}），两个版本在同一重抽样本上评分。")
    lines.append("")
    if gate.get("reasons"):
        lines += ["不通过原因：", *[f"- {r}" for r in gate["reasons"]], ""]
    if gate.get("notes"):
        lines += ["说明：", *[f"- {n}" for n in gate["notes"]], ""]
    lines += ["## 预期用途 Intended use", "", INTENDED_USE.get(name, ""), "",
              "## 局限 Limitations", "", *[f"- {item}" for item in LIMITATIONS], ""]
    return "\n".join(lines)
