"""Scoring periods: ``2018``, ``2018Q2``, ``2018-06`` or ``2018-03-01..2018-12-31``.

A period has a short label (the key stored with survey answers and unit scores, at most 16 characters),
an inclusive date range (complaints received on those days count) and a Chinese name for reports.
A date range that is exactly a year, quarter or month gets that period's label; any other range is
labelled ``YYYYMMDD-YYMMDD`` (e.g. ``20180301-181231``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})\s*[-_ ]?\s*[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_RANGE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s*\.\.\s*(\d{4}-\d{1,2}-\d{1,2})$")
_QUARTER_ZH = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # inclusive
    name_zh: str

    def bounds(self) -> tuple[datetime, datetime]:
        """``[start, end + 1 day)`` as naive datetimes, for ``received_at`` queries."""
        return datetime.combine(self.start, datetime.min.time()), datetime.combine(
            self.end + timedelta(days=1), datetime.min.time())

    def contains(self, moment: datetime | date) -> bool:
        day = moment.date() if isinstance(moment, datetime) else moment
        return self.start <= day <= self.end


def _error(text: str) -> PeriodError:
    return PeriodError(
        f"无法识别的期间 '{text}'：应为 2018、2018Q2、2018-06 或 2018-03-01..2018-12-31 "
        f"(unrecognised period)")


def year(y: int) -> Period:
    return Period(f"{y:04d}", date(y, 1, 1), date(y, 12, 31), f"{y}年度")


def quarter(y: int, q: int) -> Period:
    first_month = 3 * (q - 1) + 1
    last_month = first_month + 2
    end = date(y, last_month, calendar.monthrange(y, last_month)[1])
    return Period(f"{y:04d}Q{q}", date(y, first_month, 1), end, f"{y}年{_QUARTER_ZH[q]}")


def month(y: int, m: int) -> Period:
    return Period(f"{y:04d}-{m:02d}", date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]), f"{y}年{m}月")


def date_range(start: date, end: date) -> Period:
    """A range; named after the year, quarter or month it covers exactly, if any."""
    if end < start:
        raise PeriodError(f"期间结束日期早于开始日期 (end before start): {start}..{end}")
    candidates = [year(start.year), quarter(start.year, (start.month - 1) // 3 + 1), month(start.year, start.month)]
    for candidate in candidates:
        if (candidate.start, candidate.end) == (start, end):
            return candidate
    label = f"{start:%Y%m%d}-{end:%y%m%d}"
    return Period(label, start, end, f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日")


def parse_period(text: str) -> Period:
    """Parse a period string (see module doc); raises ``PeriodError`` with a Chinese message."""
    raw = (text or "").strip()
    try:
        if m := _YEAR.match(raw):
            return year(int(m.group(1)))
        if m := _QUARTER.match(raw):
            return quarter(int(m.group(1)), int(m.group(2)))
        if m := _MONTH.match(raw):
            return month(int(m.group(1)), int(m.group(2)))
        if m := _RANGE.match(raw):
            return date_range(date.fromisoformat(_pad(m.group(1))), date.fromisoformat(_pad(m.group(2))))
        if m := re.match(r"^(\d{8})-(\d{6})$", raw):  # a stored range label read back
            start = datetime.strptime(m.group(1), "%Y%m%d").date()
            return date_range(start, datetime.strptime(m.group(2), "%y%m%d").date())
    except ValueError as exc:
        if isinstance(exc, PeriodError):
            raise
        raise _error(raw) from exc
    raise _error(raw)


def _pad(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def previous_quarter(p: Period) -> Period:
    """The quarter before the one ``p`` starts in."""
    q = (p.start.month - 1) // 3 + 1
    return quarter(p.start.year - 1, 4) if q == 1 else quarter(p.start.year, q - 1)


def quarter_before(today: date) -> Period:
    """The last complete quarter before ``today`` (the default period of a scheduled run)."""
    return previous_quarter(quarter(today.year, (today.month - 1) // 3 + 1))
