"""Evaluation reports: markdown in Chinese plus heat maps (category co-occurrence, agency, sentiment)."""

from __future__ import annotations

from pathlib import Path

from qingfeng.codes import AGENCY_ZH, CATEGORY_ZH, SENTIMENT_ZH

NONE_ZH = "无（不属受理范围）"


def zh(label: str) -> str:
    return CATEGORY_ZH.get(label) or AGENCY_ZH.get(label) or SENTIMENT_ZH.get(label) or label


def save_heatmap(matrix: list[list[int]], rows: list[str], cols: list[str], title: str, path: Path) -> Path:
    """A count heat map with Chinese tick labels (CJK font), saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from classifiers.charts_font import use_cjk_font

    use_cjk_font()
    data = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(1.6 + 1.1 * len(cols), 1.2 + 0.7 * len(rows)), dpi=110)
    ax.imshow(data, cmap="Blues")
    ax.set_xticks(range(len(cols)), labels=cols, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), labels=rows, fontsize=8)
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            ax.text(j, i, str(data[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if data[i, j] > data.max() / 2 else "black")
    ax.set_xlabel("预测")
    ax.set_ylabel("标注")
    ax.set_title(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def _label_table(per_label: dict) -> list[str]:
    lines = ["| 标签 | 中文 | 精确率 | 召回率 | F1 | 样本数 |", "|---|---|---|---|---|---|"]
    for lab, s in per_label.items():
        lines.append(f"| {lab} | {zh(lab)} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
    return lines


def _channel_table(per_channel: dict) -> list[str]:
    lines = ["| 渠道 | 条数 | 宏平均F1 | 微平均F1 | 不属受理范围F1 |", "|---|---|---|---|---|"]
    for ch, s in per_channel.items():
        lines.append(f"| {ch} | {s['n']} | {s['macro_f1']:.3f} | {s['micro_f1']:.3f} | {s['oos_f1']:.3f} |")
    return lines


def markdown_section(name: str, version: str, metrics: dict, chart: str | None) -> list[str]:
    lines = [f"## {name}（版本 {version}）", ""]
    if name == "sentiment":
        lines += [f"- 情感宏平均F1：**{metrics['macro_f1']:.3f}**，准确率 {metrics['accuracy']:.3f}",
                  f"- 问题方面（aspects）宏平均F1 {metrics['aspects']['macro_f1']:.3f}，微平均F1 {metrics['aspects']['micro_f1']:.3f}",
                  "", *_label_table(metrics["per_label"])]
    else:
        lines.append(f"- 宏平均F1：**{metrics['macro_f1']:.3f}**，微平均F1：**{metrics['micro_f1']:.3f}**")
        if "oos" in metrics:
            lines.append(f"- 不属受理范围（无类别）F1：**{metrics['oos']['f1']:.3f}**")
        if "exact_match" in metrics:
            lines.append(f"- 完全一致率：{metrics['exact_match']:.3f}")
        lines += ["", *_label_table(metrics["per_label"]), "", "按渠道：", "", *_channel_table(metrics["per_channel"])]
    if chart:
        lines += ["", f"![{name}]({chart})"]
    return lines + [""]


def chart_for(name: str, metrics: dict, out_dir: Path) -> Path:
    if name == "sentiment":
        labels = [zh(lab) for lab in metrics["labels"]]
        return save_heatmap(metrics["confusion"], labels, labels, "满意度回答情感混淆矩阵", out_dir / "sentiment_confusion.png")
    labels = [zh(lab) for lab in metrics["labels"]] + [NONE_ZH]
    title = "投诉类别共现热力图（标注 × 预测）" if name == "categories" else "被投诉单位共现热力图（标注 × 预测）"
    return save_heatmap(metrics["cooccurrence"], labels, labels, title, out_dir / f"{name}_heatmap.png")


def evaluate_production(settings, names: list[str], out_dir: Path) -> Path:
    """Evaluate the PRODUCTION version of each model on the test split; write report.md + PNGs."""
    from classifiers import evaluate, model_specs, registry
    from classifiers.backends import load_category_model
    from classifiers.corpus import read_complaints, read_survey
    from classifiers.survey import survey_model_from_version
    from classifiers.train import load_resources
    from classifiers.triage import ModelsMissing

    model_dir = Path(settings.model_dir)
    missing = [n for n in names if registry.production_version(model_dir, n) is None]
    if missing:
        raise ModelsMissing(model_dir, missing)
    resources = load_resources(settings)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = ["# 模型评估报告（测试集）", ""]
    for name in names:
        loaded = registry.load_version(model_dir, name, registry.production_version(model_dir, name))
        if name == "sentiment":
            metrics = evaluate.survey_metrics(survey_model_from_version(loaded), read_survey(settings.corpus_dir, "test"), resources)
        else:
            model = (load_category_model(model_dir, loaded) if name == "categories"
                     else model_specs.from_artifact(loaded.config, loaded.arrays))
            test = read_complaints(settings.corpus_dir, "test")
            fn = evaluate.category_metrics if name == "categories" else evaluate.agency_metrics
            metrics = fn(model, test, resources)
        chart = chart_for(name, metrics, out_dir)
        lines += markdown_section(name, loaded.version, metrics, chart.name)
    report = out_dir / "report.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    return report


def format_summary(summary: dict) -> str:
    m = summary["metrics"]
    head = f"[{summary['name']}] 版本 {summary['version']}{'（已设为生产版本）' if summary['promoted'] else ''}"
    if summary["name"] == "sentiment":
        body = f"情感宏平均F1 {m['macro_f1']:.3f}，准确率 {m['accuracy']:.3f}，aspects 宏平均F1 {m['aspects']['macro_f1']:.3f}"
    else:
        body = f"宏平均F1 {m['macro_f1']:.3f}，微平均F1 {m['micro_f1']:.3f}"
        if "oos" in m:
            body += f"，不属受理范围F1 {m['oos']['f1']:.3f}"
    return f"{head}\n  {body}（训练 {m['n_train']} 条，测试 {m['n_test']} 条，用时 {m['train_seconds']} 秒）"
