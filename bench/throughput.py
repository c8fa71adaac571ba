"""Throughput of the classify path on one core, next to bare jieba segmentation of the same texts.

Texts: corpus complaints of 80–300 characters. Both are timed in the same run, alternating, best of
several rounds, in CPU time of this process (the machine is shared: wall time would measure the
neighbours). Also the peak memory of the process. Writes
bench/results/throughput.json|md. Run: .venv/bin/python -m bench.throughput
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from bench.bench_output import machine, write_results

ROUNDS = 5


def corpus_texts(settings, low: int = 80, high: int = 300) -> list[str]:
    from classifiers.corpus import read_complaints

    texts = [c.text for split in ("train", "test") for c in read_complaints(settings.corpus_dir, split)]
    return [t for t in texts if low <= len(t) <= high]


def best_time(fn, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


def measure(settings, texts: list[str]) -> dict:
    import jieba
    from threadpoolctl import threadpool_limits

    from classifiers.triage import ensure_default_models, load_triager

    ensure_default_models(settings)
    triager = load_triager(settings)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    chunk = settings.classify_chunk_size

    def bare_jieba():
        for text in texts:
            tokenizer.lcut(text)

    def classify():
        for i in range(0, len(texts), chunk):
            triager.triage_batch(texts[i:i + chunk])

    with threadpool_limits(limits=1):
        triager.triage_batch(texts[:20])  # warm caches (dictionaries, automata)
        jieba_s, classify_s = float("inf"), float("inf")
        for _ in range(ROUNDS):  # alternate, so both see the same machine load
            jieba_s = min(jieba_s, best_time(bare_jieba, 1))
            classify_s = min(classify_s, best_time(classify, 1))
    chars = sum(map(len, texts))
    return {"texts": len(texts), "mean_chars": round(chars / len(texts), 1),
            "jieba_texts_per_s": round(len(texts) / jieba_s, 1),
            "classify_texts_per_s": round(len(texts) / classify_s, 1),
            "classify_chars_per_s": round(chars / classify_s),
            "ratio_to_jieba": round(jieba_s / classify_s, 3), "target_ratio": 0.5,
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "chunk_size": chunk, "model_version": triager.model_version}


def main() -> None:
    from qingfeng.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:  # default models of the current code, trained here
        settings = Settings(model_dir=Path(tmp) / "models", reports_dir=Path(tmp) / "reports")
        texts = corpus_texts(settings)
        result = {"machine": machine(), **measure(settings, texts)}
    lines = ["# 分类吞吐量（单核）", "",
             f"机器：{result['machine']['platform']}，1 分钟负载 {result['machine']['load_average_1min']}（共享机器：按本进程 CPU 时间计，交替测 {ROUNDS} 轮取最好成绩）", "",
             "| 项目 | 条/秒 |", "|---|---|",
             f"| 仅 jieba 分词（lcut） | {result['jieba_texts_per_s']} |",
             f"| qingfeng classify 全流程（triage_batch） | {result['classify_texts_per_s']} |", "",
             f"- 文本 {result['texts']} 条，平均 {result['mean_chars']} 字；全流程约为 jieba 速度的 "
             f"**{result['ratio_to_jieba']:.0%}**（目标 ≥ 50%）",
             f"- 进程峰值内存 {result['peak_rss_mib']} MiB"]
    path = write_results("throughput", result, lines)
    print(f"写入 {path}: classify {result['classify_texts_per_s']}/s, jieba {result['jieba_texts_per_s']}/s, "
          f"ratio {result['ratio_to_jieba']}")


if __name__ == "__main__":
    main()
