"""The dashboard's periods and the buckets a figure is counted in (days, weeks or months)."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

PERIODS = {"30d": ("day", 30), "12m": ("month", 12)}
DEFAULT_PERIOD = "30d"


@dataclass(frozen=True)
class Period:
    key: str
    unit: str                  # day, week or month
    starts: tuple[date, ...]   # first day of each bucket, oldest first
    end: date                  # the day after the last bucket

    @property
    def first(self) -> date:
        return self.starts[0]

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def since(self) -> datetime:
        """The period's start as a naive UTC datetime, for the tables' timestamps."""
        return datetime.combine(self.first, time())

    def index(self, day: date) -> int | None:
        """Which bucket `day` falls in; None outside the period."""
        if not self.first <= day < self.end:
            return None
        if self.unit == "day":
            return (day - self.first).days
        if self.unit == "week":
            return (day - self.first).days // 7
        return (day.year - self.first.year) * 12 + day.month - self.first.month

    def label(self, i: int) -> str:
        start = self.starts[i]
        if self.unit == "month":
            return start.strftime("%Y-%m")
        if self.unit == "week":
            year, week, _ = start.isocalendar()
            return f"{year}-W{week:02d}"
        return start.isoformat()

    def labels(self) -> list[str]:
        return [self.label(i) for i in range(len(self.starts))]

    def weeks(self) -> "Period":
        """The same span counted in weeks (Monday first) for a 30-day period; months stay months.
        Distinct contributors per day would mostly be 0 or 1."""
        if self.unit != "day":
            return self
        monday = self.first - timedelta(days=self.first.weekday())
        starts = []
        while monday < self.end:
            starts.append(monday)
            monday += timedelta(days=7)
        return Period(self.key, "week", tuple(starts), self.end)


def period(key: str | None, today: date) -> Period:
    """The period `key` ("30d", "12m"; anything else: the default) ending with `today`."""
    key = key if key in PERIODS else DEFAULT_PERIOD
    unit, n = PERIODS[key]
    if unit == "day":
        first = today - timedelta(days=n - 1)
        return Period(key, "day", tuple(first + timedelta(days=i) for i in range(n)), today + timedelta(days=1))
    months = []
    y, m = today.year, today.month
    for _ in range(n):
        months.append(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    months.reverse()
    ny, nm = (today.year, today.month + 1) if today.month < 12 else (today.year + 1, 1)
    return Period(key, "month", tuple(months), date(ny, nm, 1))
