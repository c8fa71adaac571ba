"""Helpers for the data-contract tests: loading the corpora and measuring them."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

# The plan's stock phrases: an item that uses none of them tells its situation in everyday words.
STOCK_PHRASES = (
    "效率不高", "服务质量", "衙门作风", "冷横硬推", "冷、横、硬、推", "形式主义", "官僚主义", "不作为", "乱作为",
    "以权谋利", "以权谋私", "弄权勒卡", "吃拿卡要", "徇私枉法", "徇私舞弊", "贪赃枉法", "人情案", "关系案", "金钱案",
    "保护伞", "司法掮客", "机械执法", "有案不立", "有诉不理", "拖案不查", "久执不结", "数字造假", "文字整改",
    "表态整改", "报喜不报忧", "敲诈企业", "黑中介", "特权思想",
)


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:  # pragma: no cover - reported by the test
                raise AssertionError(f"{path}:{lineno}: not JSON: {exc}") from exc
    return rows


def shingles(text: str, k: int = 5) -> set[str]:
    t = "".join(text.split())
    return {t[i:i + k] for i in range(max(1, len(t) - k + 1))}


def near_duplicates(a: list[str], b: list[str], threshold: float = 0.8) -> list[tuple[str, str, float]]:
    """Pairs across ``a`` and ``b`` whose character 5-gram Jaccard exceeds ``threshold`` (inverted index)."""
    index: dict[str, list[int]] = {}
    b_sh = [shingles(t) for t in b]
    for j, sh in enumerate(b_sh):
        for g in sh:
            index.setdefault(g, []).append(j)
    hits = []
    for t in a:
        sa = shingles(t)
        overlap = Counter(j for g in sa for j in index.get(g, ()))
        for j, inter in overlap.items():
            jac = inter / len(sa | b_sh[j])
            if jac > threshold:
                hits.append((t, b[j], jac))
    return hits


def is_implicit(text: str) -> bool:
    return not any(p in text for p in STOCK_PHRASES)


def shares(rows: list[dict]) -> dict[str, float]:
    n = len(rows)
    cats = Counter(c for r in rows for c in r["categories"])
    out = {f"cat:{c}": cats[c] / n for c in cats}
    out["multi_label"] = sum(len(r["categories"]) > 1 for r in rows) / n
    out["out_of_scope"] = sum(not r["categories"] for r in rows) / n
    out["implicit"] = sum(is_implicit(r["text"]) for r in rows) / n
    return out
