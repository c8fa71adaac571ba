"""Period strings → labels and date ranges."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pipelines.scoring.period import PeriodError, parse_period, previous_quarter, quarter_before


@pytest.mark.parametrize(("text", "label", "start", "end"), [
    ("2018", "2018", date(2018, 1, 1), date(2018, 12, 31)),
    ("2018Q2", "2018Q2", date(2018, 4, 1), date(2018, 6, 30)),
    ("2018q4", "2018Q4", date(2018, 10, 1), date(2018, 12, 31)),
    ("2018-06", "2018-06", date(2018, 6, 1), date(2018, 6, 30)),
    ("2016-02", "2016-02", date(2016, 2, 1), date(2016, 2, 29)),
    ("2018-03-01..2018-12-31", "20180301-181231", date(2018, 3, 1), date(2018, 12, 31)),
    ("2018-04-01..2018-06-30", "2018Q2", date(2018, 4, 1), date(2018, 6, 30)),  # a range that is a quarter
    ("2018-11-01..2019-01-31", "20181101-190131", date(2018, 11, 1), date(2019, 1, 31)),
])
def test_parse_period(text, label, start, end):
    p = parse_period(text)
    assert (p.label, p.start, p.end) == (label, start, end)
    assert len(p.label) <= 16  # fits SurveyResponse.period / UnitScore.period
    assert parse_period(p.label) == p  # a stored label reads back to the same period


def test_bounds_include_the_whole_last_day():
    p = parse_period("2018-06")
    start, end = p.bounds()
    assert start == datetime(2018, 6, 1) and end == datetime(2018, 7, 1)
    assert p.contains(datetime(2018, 6, 30, 23, 59)) and not p.contains(datetime(2018, 7, 1))


@pytest.mark.parametrize("text", ["", "2018Q5", "2018-13", "18", "2018-12-31..2018-01-01", "last year"])
def test_bad_periods_raise_a_chinese_message(text):
    with pytest.raises(PeriodError, match="期间"):
        parse_period(text)


def test_previous_quarter_crosses_years():
    assert previous_quarter(parse_period("2018Q1")).label == "2017Q4"
    assert previous_quarter(parse_period("2018Q3")).label == "2018Q2"
    assert quarter_before(date(2019, 1, 5)).label == "2018Q4"
