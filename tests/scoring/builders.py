"""Small builders of survey answers and complaint cases for the scoring tests."""

from __future__ import annotations

from datetime import datetime

from pipelines.scoring.inputs import Answer, Case

UNITS = ("public_security", "court", "procuratorate", "justice_bureau", "political_legal_committee")


def answers(unit: str, satisfied: int, dissatisfied: int, *, positive: int = 0, neutral: int = 0,
            negative: int = 0, text: str = "意见") -> list[Answer]:
    """``satisfied`` 满意 and ``dissatisfied`` 不满意 ticks; the first answers carry texts with the given
    sentiments (negative texts go to the dissatisfied answers first)."""
    ticks = ["不满意"] * dissatisfied + ["满意"] * satisfied
    sentiments = ["negative"] * negative + ["neutral"] * neutral + ["positive"] * positive
    out = []
    for i, choice in enumerate(ticks):
        sentiment = sentiments[i] if i < len(sentiments) else None
        out.append(Answer(id=f"{unit}-{i:03d}", unit=unit, choice=choice,
                          text=f"{text}{i}" if sentiment else "", sentiment=sentiment,
                          sentiment_scores={sentiment: 0.9} if sentiment else {}))
    return out


def case(i: int, units: tuple[str, ...], categories: tuple[str, ...], day: int = 1) -> Case:
    return Case(id=f"case-{i}", units=units, categories=categories, text=f"投诉{i}：民警***索要好处费",
                received_at=datetime(2018, 5, day, 9, 0))
