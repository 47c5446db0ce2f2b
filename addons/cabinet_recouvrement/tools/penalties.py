"""Late-payment interest of French commercial law, in pure Python.

C. com. L441-10: interest runs from the day after the due date, without any
reminder, on the unpaid amount including VAT, day count actual/365. The rate is
the ECB main refinancing rate of the half-year plus 10 points (rate of 1 January
for January to June, of 1 July for July to December), or the contract rate,
which may not be lower than three times the legal rate.

No Odoo import here: the models feed dates, Decimals and the rate table in and
turn the result into records and messages.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
DAYS_IN_YEAR = Decimal(365)
ECB_MARGIN = Decimal(10)
LEGAL_RATE_FACTOR = Decimal(3)
HUNDRED = Decimal(100)
ZERO = Decimal(0)


class MissingRateError(LookupError):
    """No rate in the table for the half-year starting ``half_year_start``."""

    def __init__(self, half_year_start):
        self.half_year_start = half_year_start
        super().__init__(f"No late-payment rate for the half-year of {half_year_start}")


@dataclass(frozen=True)
class HalfYearRate:
    """One row of the rate table; rates in percent.

    ``legal_rate`` is None while the legal rate of the half-year is not known
    (it is published by decree a few days before the half-year starts).
    """

    date_from: date
    ecb_rate: Decimal
    legal_rate: Decimal | None = None

    @property
    def penalty_rate(self):
        return self.ecb_rate + ECB_MARGIN

    @property
    def floor_rate(self):
        if self.legal_rate is None:
            return None
        return LEGAL_RATE_FACTOR * self.legal_rate

    @property
    def statutory_rate(self):
        """Rate due when no contract rate applies: ECB + 10, floored."""
        return max(self.penalty_rate, self.floor_rate or ZERO)


@dataclass(frozen=True)
class RateWarning:
    """A contract rate below (or not checkable against) the legal floor."""

    half_year_start: date
    contract_rate: Decimal
    floor_rate: Decimal | None


@dataclass
class InterestResult:
    interest: Decimal = ZERO
    rate: Decimal = ZERO
    segments: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def is_late(self):
        return bool(self.segments)


def half_year_start(day):
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def round_amount(amount, quantum=CENT):
    """Round half away from zero (ROUND_HALF_UP on Decimals), as the cases do."""
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def get_rate(rates, day):
    """The table row of the half-year of ``day``, or raise MissingRateError."""
    start = half_year_start(day)
    rate = rates.get(start)
    if rate is None:
        raise MissingRateError(start)
    return rate


def _breakpoints(first_day, last_day, payments):
    """Days on which a new segment starts, ``first_day`` included.

    A payment made on day P still leaves day P at the old base: the base drops
    from the next day (RC-30 counts 34 days from a 1 September due date to a
    5 October payment, that is the payment day included). Half-years start on
    1 January and 1 July.
    """
    days = {first_day}
    days.update(
        pay_date + timedelta(days=1)
        for pay_date, _amount in payments
        if first_day < pay_date + timedelta(days=1) <= last_day
    )
    year = first_day.year
    while date(year, 1, 1) <= last_day:
        for month in (1, 7):
            start = date(year, month, 1)
            if first_day < start <= last_day:
                days.add(start)
        year += 1
    return sorted(days)


def _base_on(day, amount, payments):
    paid = sum((pay for pay_date, pay in payments if pay_date < day), ZERO)
    return max(amount - paid, ZERO)


def compute_late_interest(
    amount,
    due_date,
    as_of_date,
    rates,
    payments=(),
    contract_rate=None,
    quantum=CENT,
):
    """Late interest of one amount due, split into segments.

    A segment is a run of days with the same base and the same half-year; its
    interest is ``base × rate / 100 × days / 365``.

    Rounding: once per segment, half away from zero, and the interest is the
    sum of the rounded segments. The reported cases state totals as the sum of
    the amounts printed above them (RC-29: 6.99 + 2.40 + 0.50 = 9.89, each
    rounded on its own), and the formal notice prints one line per segment:
    rounding each segment is the only rule under which the statement the debtor
    reads adds up. The difference with one rounding overall is at most half a
    cent per segment.

    :param amount: Decimal, amount due including VAT (positive)
    :param due_date: date, last day before interest runs
    :param as_of_date: date, last day of interest counted (included)
    :param rates: mapping of half-year start date to HalfYearRate
    :param payments: iterable of (date, Decimal) amounts paid, credit notes
        included; a payment on or before the due date only lowers the base
    :param contract_rate: Decimal percent agreed in the contract, used as is,
        or None for the statutory rate
    :param quantum: Decimal smallest unit of the currency
    :return: InterestResult; segments are dicts with date_from and date_to
        (both included), base, rate, days and amount
    :raise MissingRateError: no row for a half-year the interest runs over
    """
    result = InterestResult()
    payments = sorted(payments)
    first_day = due_date + timedelta(days=1)
    if as_of_date < first_day:
        return result
    starts = _breakpoints(first_day, as_of_date, payments)
    ends = [start - timedelta(days=1) for start in starts[1:]] + [as_of_date]
    for start, end in zip(starts, ends, strict=True):
        base = _base_on(start, amount, payments)
        if not base:
            continue
        row = get_rate(rates, start)
        rate = row.statutory_rate if contract_rate is None else contract_rate
        days = (end - start).days + 1
        interest = round_amount(
            base * rate / HUNDRED * Decimal(days) / DAYS_IN_YEAR, quantum
        )
        result.segments.append(
            {
                "date_from": start,
                "date_to": end,
                "base": base,
                "rate": rate,
                "days": days,
                "amount": interest,
            }
        )
        result.interest += interest
        result.rate = rate
        if contract_rate is not None:
            _check_floor(result, row, contract_rate)
    return result


def _check_floor(result, row, contract_rate):
    # L441-10: a contract rate below three times the legal rate is not valid;
    # it is still applied as agreed, and the user is told.
    floor = row.floor_rate
    if floor is not None and contract_rate >= floor:
        return
    warning = RateWarning(row.date_from, contract_rate, floor)
    if warning not in result.warnings:
        result.warnings.append(warning)
