"""Behavioural tests of the survey analyser, in Chinese."""

from __future__ import annotations

import pytest

from classifiers.survey import SurveyAnalyzer, load_survey_analyzer
from classifiers.triage import ModelsMissing

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def analyzer(trained_settings) -> SurveyAnalyzer:
    return load_survey_analyzer(trained_settings)


@pytest.mark.parametrize(("text", "sentiment"), [
    ("满意", "positive"),
    ("非常满意，办事效率很高", "positive"),
    ("一般", "neutral"),
    ("无", "neutral"),
    ("太差了，来回跑了五趟都没办成", "negative"),
])
def test_short_and_clear_answers(analyzer, text, sentiment):
    assert analyzer.analyse(text).sentiment == sentiment


def test_negation_turns_praise_around(analyzer):
    plain, negated = analyzer.analyse("满意"), analyzer.analyse("不太满意")
    assert negated.sentiment != "positive"
    assert negated.sentiment_scores["positive"] < plain.sentiment_scores["positive"]


def test_double_negation_is_not_negative(analyzer):
    assert analyzer.analyse("没什么不满意的").sentiment != "negative"


def test_quoted_praise_with_a_complaint_is_not_positive(analyzer):
    assert analyzer.analyse("真是“高效”，一个证明跑了五趟").sentiment != "positive"


def test_complaints_raise_their_aspects(analyzer):
    result = analyzer.analyse("窗口工作人员态度很差，让我们来回跑了好几趟")
    assert result.sentiment == "negative" and "low_efficiency" in result.aspects
    result = analyzer.analyse("太差了，民警明着要好处费，不送礼就不给办，还乱收费")
    assert result.sentiment == "negative" and "abuse_for_profit" in result.aspects


def test_praise_raises_no_aspect(analyzer):
    assert analyzer.analyse("法官很专业，判决很公正，非常感谢").aspects == []


def test_scores_are_probabilities_and_batch_matches_single(analyzer):
    texts = ["满意", "不满意，拖了半年", "希望多开展普法宣传"]
    batch = analyzer.analyse_batch(texts)
    assert [b.as_dict() for b in batch] == [analyzer.analyse(t).as_dict() for t in texts]
    for result in batch:
        assert abs(sum(result.sentiment_scores.values()) - 1.0) < 1e-6
        assert result.model_version.startswith("sentiment:")


def test_missing_sentiment_model_raises(settings):
    with pytest.raises(ModelsMissing):
        load_survey_analyzer(settings)
