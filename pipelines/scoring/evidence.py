"""Representative, already-redacted answers and complaints shown with each flag (pure selection)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qingfeng.codes import CATEGORY_ZH, SENTIMENT_ZH

from pipelines.scoring.inputs import Answer, Case

MAX_CHARS = 200


@dataclass(frozen=True)
class Evidence:
    kind: str  # answer | complaint
    id: str
    text: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "text": self.text, "detail": self.detail}


def clip(text: str, limit: int = MAX_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _answer_detail(a: Answer) -> str:
    parts = [a.choice or (f"总体满意度 {a.score} 分" if a.score is not None else "未勾选")]
    if a.sentiment:
        parts.append(f"文字{SENTIMENT_ZH.get(a.sentiment, a.sentiment)}")
    if a.aspects:
        parts.append("、".join(CATEGORY_ZH.get(x, x) for x in a.aspects))
    return " · ".join(parts)


def critical_answers(answers: Sequence[Answer], unit: str, limit: int) -> list[Evidence]:
    """The unit's most critical open answers: negative text first (most confident), then neutral text
    with a dissatisfied tick; answers without text never serve as evidence."""
    pool = [a for a in answers if a.unit == unit and a.text.strip() and a.polarity is not None and a.polarity <= 0]

    def key(a: Answer) -> tuple:
        return (a.polarity, -float(a.sentiment_scores.get("negative", 0.0)), a.score or 0, a.id)

    pool = [a for a in sorted(pool, key=key) if a.polarity < 0 or a.choice == "不满意" or (a.score or 5) <= 2]
    return [Evidence("answer", a.id, clip(a.text), _answer_detail(a)) for a in pool[:limit]]


def mismatched_answers(answers: Sequence[Answer], unit: str, limit: int) -> list[Evidence]:
    pool = sorted((a for a in answers if a.unit == unit and a.mismatch), key=lambda a: a.id)
    return [Evidence("answer", a.id, clip(a.text), _answer_detail(a)) for a in pool[:limit]]


def serious_first_cases(cases: Sequence[Case], unit: str, severity_weights: dict[str, float],
                        limit: int) -> list[Evidence]:
    """The unit's heaviest cases (severity weight, then most recent)."""
    mine = [c for c in cases if unit in c.units and c.categories]
    mine.sort(key=lambda c: (-c.weight(severity_weights), -c.received_at.timestamp(), c.id))
    out = []
    for c in mine[:limit]:
        cats = "、".join(CATEGORY_ZH.get(x, x) for x in c.categories)
        status = "人工已核实" if c.confirmed else "模型判定，待人工核实"
        out.append(Evidence("complaint", c.id, clip(c.text), f"{cats} · {c.received_at:%Y-%m-%d} · {status}"))
    return out
