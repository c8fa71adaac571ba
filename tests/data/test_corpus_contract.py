"""Data contracts for the labelled corpora in data/corpus/."""

from __future__ import annotations

from collections import Counter

import pytest

from qingfeng.codes import AGENCY_CODES, CATEGORY_CODES, CHANNEL_CODES, SENTIMENT_CODES
from qingfeng.settings import Settings
from tests.data.corpus_rules import near_duplicates, read_jsonl, shares

CORPUS = Settings().corpus_dir


@pytest.fixture(scope="module")
def complaints() -> dict[str, list[dict]]:
    return {split: read_jsonl(CORPUS / "complaints" / f"{split}.jsonl") for split in ("train", "test")}


@pytest.fixture(scope="module")
def survey() -> dict[str, list[dict]]:
    return {split: read_jsonl(CORPUS / "survey" / f"{split}.jsonl") for split in ("train", "test")}


def test_complaint_records_are_well_formed(complaints):
    for split, rows in complaints.items():
        for r in rows:
            assert set(r) == {"id", "channel", "text", "categories", "agencies"}, (split, r)
            assert r["channel"] in CHANNEL_CODES, r
            assert r["text"].strip(), r
            assert set(r["categories"]) <= set(CATEGORY_CODES), r
            assert set(r["agencies"]) <= set(AGENCY_CODES), r
            assert len(set(r["categories"])) == len(r["categories"]), r


def test_complaint_ids_are_unique_across_splits(complaints):
    ids = [r["id"] for rows in complaints.values() for r in rows]
    assert len(ids) == len(set(ids)), [i for i, c in Counter(ids).items() if c > 1]


def test_complaint_corpus_size(complaints):
    assert len(complaints["train"]) + len(complaints["test"]) >= 1200
    assert len(complaints["test"]) >= 300


def test_no_complaint_text_leaks_from_train_to_test(complaints):
    train = [r["text"] for r in complaints["train"]]
    test = [r["text"] for r in complaints["test"]]
    assert not set(train) & set(test)
    hits = near_duplicates(test, train)
    assert not hits, hits[:3]


@pytest.mark.parametrize("split", ["all", "test"])
def test_complaint_distribution_rules(complaints, split):
    rows = complaints["train"] + complaints["test"] if split == "all" else complaints["test"]
    s = shares(rows)
    for code in CATEGORY_CODES:
        assert s.get(f"cat:{code}", 0) >= 0.12, (code, s)
    assert s["multi_label"] >= 0.20, s
    assert s["out_of_scope"] >= 0.15, s
    assert s["implicit"] >= 1 / 3, s


def test_every_channel_and_agency_is_represented(complaints):
    for split, rows in complaints.items():
        channels = Counter(r["channel"] for r in rows)
        assert all(channels[c] >= 0.15 * len(rows) for c in CHANNEL_CODES), (split, channels)
        agencies = Counter(a for r in rows for a in r["agencies"])
        assert all(agencies[a] >= 5 for a in AGENCY_CODES), (split, agencies)


def test_survey_records_are_well_formed(survey):
    ids = []
    for split, rows in survey.items():
        for r in rows:
            assert set(r) == {"id", "unit", "score", "text", "sentiment", "aspects"}, (split, r)
            assert r["unit"] in AGENCY_CODES, r
            assert isinstance(r["score"], int) and 1 <= r["score"] <= 5, r
            assert r["sentiment"] in SENTIMENT_CODES, r
            assert set(r["aspects"]) <= set(CATEGORY_CODES), r
            ids.append(r["id"])
    assert len(ids) == len(set(ids))


def test_survey_corpus_size_and_mix(survey):
    assert len(survey["train"]) + len(survey["test"]) >= 500
    assert len(survey["test"]) >= 150
    for rows in survey.values():
        sentiments = Counter(r["sentiment"] for r in rows)
        assert all(sentiments[s] >= 0.15 * len(rows) for s in SENTIMENT_CODES), sentiments
        short = sum(len(r["text"]) <= 4 for r in rows)
        assert short >= 5, "very short answers (满意, 无, 一般) must be present"
        disagree = sum((r["score"] >= 4 and r["sentiment"] == "negative") or (r["score"] <= 2 and r["sentiment"] == "positive") for r in rows)
        assert disagree >= 5, "answers whose Likert score disagrees with the text must be present"


def test_no_survey_text_leaks_from_train_to_test(survey):
    train = [r["text"] for r in survey["train"] if len(r["text"]) > 8]
    test = [r["text"] for r in survey["test"] if len(r["text"]) > 8]
    assert not set(train) & set(test)
    assert not near_duplicates(test, train)
