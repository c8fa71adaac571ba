"""Canonical record validation, time parsing, and which failures the flow retries."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pipelines.records import Reason, SourceRow, ValidationContext, parse_time, validate_row

TZ = "Asia/Shanghai"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-06-12 08:12:40", datetime(2018, 6, 12, 8, 12, 40)),
        ("2018/6/12 8:47", datetime(2018, 6, 12, 8, 47)),
        ("2018年6月12日10时30分", datetime(2018, 6, 12, 10, 30)),
        ("2018年6月12日 10:30", datetime(2018, 6, 12, 10, 30)),
        ("2018.06.12 22:45", datetime(2018, 6, 12, 22, 45)),
        ("2018-06-12T21:33:10+08:00", datetime(2018, 6, 12, 21, 33, 10)),
        ("2018-06-12T13:00:00Z", datetime(2018, 6, 12, 21, 0)),
        (datetime(2018, 6, 12, 16, 15, 0, 500), datetime(2018, 6, 12, 16, 15)),
        (date(2018, 6, 12), datetime(2018, 6, 12)),
        (43263.5, datetime(2018, 6, 12, 12, 0)),  # Excel serial
        (1528790400, datetime(2018, 6, 12, 16, 0)),  # unix seconds
    ],
)
def test_times_in_the_formats_exports_use(value, expected):
    assert parse_time(value, TZ) == expected


@pytest.mark.parametrize("value", ["2018-06-31 11:18", "2018-13-01 25:00", "昨天晚上", "", None, 12, "1899-01-01"])
def test_bad_times_raise(value):
    with pytest.raises(ValueError):
        parse_time(value, TZ)


def test_validation_reports_the_most_important_problem_first():
    row = SourceRow("hotline", {"source_id": "RX1", "received_at": "bad", "text": ""}, "{}", "h.csv", "第3行")
    rejected = validate_row(row, ValidationContext())
    assert rejected.reason == Reason.empty_text and rejected.detail.startswith("第3行")
    assert rejected.source_id == "RX1" and rejected.source_file == "h.csv"


def test_text_limit_comes_from_the_context():
    row = SourceRow("online", {"source_id": "W1", "received_at": "2018-06-12 10:00", "text": "字" * 11}, "{}")
    assert validate_row(row, ValidationContext(max_text_chars=10)).reason == Reason.text_too_long
    assert validate_row(row, ValidationContext(max_text_chars=11)).text == "字" * 11


def test_only_io_failures_are_retried():
    from prefect.states import Failed
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    from pipelines.nightly import StorageError, _io_failure

    def retried(exc):
        return _io_failure(None, None, Failed(data=exc))

    assert retried(OSError("disk"))
    assert retried(StorageError(OperationalError("SELECT 1", {}, Exception("locked"))))
    assert retried(StorageError(IntegrityError("INSERT", {"name": "王建国"}, Exception("unique"))))
    assert not retried(StorageError(ProgrammingError("SELECT", {}, Exception("syntax"))))
    assert not retried(ValueError("model output has the wrong shape"))
    assert "王建国" not in str(StorageError(IntegrityError("INSERT", {"name": "王建国"}, Exception("unique"))))


def test_the_flow_refuses_to_run_without_a_source_dir():
    from pipelines.nightly import nightly

    with pytest.raises(ValueError, match="source_dir"):
        nightly.fn(date=None)
