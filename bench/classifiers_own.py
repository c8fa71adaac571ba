"""Own test split: six-category macro-F1, out-of-scope F1, agency micro-F1, survey sentiment macro-F1.

Trains the default recipes on data/corpus/*/train.jsonl into a temporary registry (the repository's models/
are not touched), evaluates on test.jsonl and writes bench/results/classifiers_own.json|md.
Run: .venv/bin/python -m bench.classifiers_own
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.bench_output import machine, write_results

TARGETS = {"categories_macro_f1": 0.85, "out_of_scope_f1": 0.80, "agencies_micro_f1": 0.95,
           "sentiment_macro_f1": 0.80}


def measure(settings) -> dict:
    from classifiers.train import register_trained

    summaries = {name: register_trained(settings, name) for name in ("categories", "agencies", "sentiment")}
    cat, agc, sen = (summaries[n]["metrics"] for n in ("categories", "agencies", "sentiment"))
    scores = {"categories_macro_f1": cat["macro_f1"], "categories_micro_f1": cat["micro_f1"],
              "out_of_scope_f1": cat["oos"]["f1"], "agencies_micro_f1": agc["micro_f1"],
              "agencies_exact_match": agc["exact_match"], "sentiment_macro_f1": sen["macro_f1"],
              "sentiment_accuracy": sen["accuracy"], "aspects_macro_f1": sen["aspects"]["macro_f1"]}
    return {"scores": scores, "targets": TARGETS,
            "meets_target": {k: scores[k] >= v for k, v in TARGETS.items()},
            "per_label": {"categories": cat["per_label"], "agencies": agc["per_label"], "sentiment": sen["per_label"]},
            "per_channel": {"categories": cat["per_channel"], "agencies": agc["per_channel"]},
            "sizes": {n: {"train": s["metrics"]["n_train"], "test": s["metrics"]["n_test"]} for n, s in summaries.items()},
            "train_seconds": {n: s["metrics"]["train_seconds"] for n, s in summaries.items()},
            "versions": {n: s["version"] for n, s in summaries.items()}}


def markdown(result: dict) -> list[str]:
    s, t = result["scores"], result["targets"]
    lines = ["# 自有测试集评估（classifiers_own）", "",
             f"机器：{result['machine']['platform']}，CPU {result['machine']['cpu_count']} 核，"
             f"1 分钟负载 {result['machine']['load_average_1min']}", "",
             "| 指标 | 得分 | 目标 | 达标 |", "|---|---|---|---|"]
    for key, value in s.items():
        target = t.get(key)
        mark = "" if target is None else ("是" if value >= target else "否")
        lines.append(f"| {key} | {value:.3f} | {'' if target is None else f'{target:.2f}'} | {mark} |")
    lines += ["", "| 模型 | 训练条数 | 测试条数 | 训练+评估秒数 |", "|---|---|---|---|"]
    for name, size in result["sizes"].items():
        lines.append(f"| {name} | {size['train']} | {size['test']} | {result['train_seconds'][name]} |")
    lines += ["", "按渠道（类别）：", "", "| 渠道 | 条数 | 宏平均F1 | 不属受理范围F1 |", "|---|---|---|---|"]
    for channel, c in result["per_channel"]["categories"].items():
        lines.append(f"| {channel} | {c['n']} | {c['macro_f1']:.3f} | {c['oos_f1']:.3f} |")
    lines += ["", "按类别：", "", "| 类别 | P | R | F1 | 样本 |", "|---|---|---|---|---|"]
    for label, c in result["per_label"]["categories"].items():
        lines.append(f"| {label} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['support']} |")
    return lines


def main() -> None:
    from qingfeng.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(model_dir=Path(tmp) / "models", reports_dir=Path(tmp) / "reports")
        result = {"machine": machine(), **measure(settings)}
    path = write_results("classifiers_own", result, markdown(result))
    print(f"写入 {path}: " + ", ".join(f"{k}={v:.3f}" for k, v in result["scores"].items()))


if __name__ == "__main__":
    main()
