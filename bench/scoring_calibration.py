"""How often the 约谈 rule fires on simulated surveys (calibration of data/scoring.yaml, not a test).

Scenarios: five units with n answers each; "clearly worst" = one unit at a much lower satisfaction rate;
"all alike" = every unit at the same rate (any flag is a false alarm). Open-answer sentiment follows the
tick with 20 % noise (a stand-in for model error). Writes bench/results/scoring_calibration.json|md.

Run: .venv/bin/python bench/scoring_calibration.py [--trials 200]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from pipelines.scoring import Answer, score_units
from pipelines.scoring.config import load_scoring_config
from qingfeng.codes import AGENCY_CODES

ROOT = Path(__file__).resolve().parent.parent


def simulate(rates: dict[str, float], n: int, rng: random.Random) -> list[Answer]:
    answers = []
    for unit, rate in rates.items():
        for i in range(n):
            satisfied = rng.random() < rate
            true = "positive" if satisfied else "negative"
            if rng.random() < 0.3:
                true = "neutral"
            sentiment = true if rng.random() > 0.2 else rng.choice(["positive", "neutral", "negative"])
            answers.append(Answer(id=f"{unit}-{i}", unit=unit, choice="满意" if satisfied else "不满意",
                                  text="……", sentiment=sentiment, sentiment_scores={sentiment: 0.9}))
    return answers


def run(trials: int) -> dict:
    cfg = load_scoring_config(ROOT / "data" / "scoring.yaml")
    scenarios = {
        "worst_35_vs_85": {**{u: 0.85 for u in AGENCY_CODES}, "court": 0.35},
        "worst_50_vs_85": {**{u: 0.85 for u in AGENCY_CODES}, "court": 0.50},
        "worst_60_vs_88": {**{u: 0.88 for u in AGENCY_CODES}, "court": 0.60},
        "worst_70_vs_90": {**{u: 0.90 for u in AGENCY_CODES}, "court": 0.70},
        "spread_95_90_85_80_45": dict(zip(AGENCY_CODES, (0.95, 0.90, 0.45, 0.85, 0.80))),
        "all_alike_85": {u: 0.85 for u in AGENCY_CODES},
        "gentle_slope_90_85_80_75_70": dict(zip(AGENCY_CODES, (0.90, 0.85, 0.70, 0.80, 0.75))),
    }
    out: dict = {}
    for name, rates in scenarios.items():
        worst = min(rates, key=rates.get)
        for n in (12, 20, 30, 60):  # answers per unit
            rng = random.Random(f"{name}-{n}")
            hit = wrong = best_two_flagged = 0
            for _ in range(trials):
                rankings = score_units(AGENCY_CODES, simulate(rates, n, rng), [], cfg)
                flagged = {r.unit for r in rankings if r.interview}
                hit += worst in flagged
                wrong += bool(flagged - {worst}) if len(set(rates.values())) > 1 else bool(flagged)
                top = [r.unit for r in rankings if r.rank is not None][:2]
                best_two_flagged += bool(flagged & set(top))
            out[f"{name}/n={n}"] = {"worst_flagged": hit / trials, "other_flagged": wrong / trials,
                                    "a_top_two_flagged": best_two_flagged / trials}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    result = run(args.trials)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "scoring_calibration.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    lines = ["| scenario | worst flagged | another unit flagged | a top-two unit flagged |", "|---|---|---|---|"]
    lines += [f"| {k} | {v['worst_flagged']:.2f} | {v['other_flagged']:.2f} | {v['a_top_two_flagged']:.2f} |"
              for k, v in result.items()]
    (results / "scoring_calibration.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
