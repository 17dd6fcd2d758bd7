"""Quota periods in UTC: DAY, WEEK and MONTH, with ``offset`` read as the day the period starts.

AWS documents ``offset`` two ways (the day a period starts; or requests subtracted in the first
period). We follow the first, which is what AWS's own validation implies (DAY allows only 0, WEEK
0-6, MONTH 0-27): a WEEK starts on Sunday + offset days, a MONTH on day ``offset + 1``."""

from __future__ import annotations

import calendar
import datetime as dt

DAY = 86400


def usage_id(key_id: str, day: str) -> str:
    """The id of a key's usage document for one UTC day (``YYYY-MM-DD``), under its plan."""
    return f"{key_id}:{day}"


def period_bounds(period: str, offset: int, now: float) -> tuple[int, int]:
    """``(start, end)`` epoch seconds of the period holding ``now``."""
    day = int(now // DAY)
    if period == "WEEK":
        # 1970-01-01 was a Thursday: weekday (Sunday = 0) of day d is (d + 4) % 7.
        start_day = day - (day + 4 - offset % 7) % 7
        return start_day * DAY, (start_day + 7) * DAY
    if period == "MONTH":
        first = min(max(offset, 0), 27) + 1
        today = dt.datetime.fromtimestamp(day * DAY, dt.UTC).date()
        y, m = today.year, today.month
        if today.day < first:
            y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        ny, nm = (y, m + 1) if m < 12 else (y + 1, 1)
        start = calendar.timegm((y, m, first, 0, 0, 0))
        return start, calendar.timegm((ny, nm, first, 0, 0, 0))
    return day * DAY, (day + 1) * DAY


def period_days(period: str, offset: int, now: float) -> list[str]:
    """ISO dates from the period's first day to today (the days whose usage adds up)."""
    start, _ = period_bounds(period, offset, now)
    first = _date(start)
    last = _date(now)
    out = []
    while first <= last:
        out.append(first.isoformat())
        first += dt.timedelta(days=1)
    return out


def _date(ts: float) -> dt.date:
    return dt.datetime.fromtimestamp(int(ts // DAY) * DAY, dt.UTC).date()


class PeriodClock:
    """Caches each (period, offset)'s bounds until the period ends: one comparison per request."""

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], tuple[int, int]] = {}

    def bounds(self, period: str, offset: int, now: float) -> tuple[int, int]:
        key = (period, offset)
        cached = self._cache.get(key)
        if cached is None or now >= cached[1] or now < cached[0]:
            cached = self._cache[key] = period_bounds(period, offset, now)
        return cached
