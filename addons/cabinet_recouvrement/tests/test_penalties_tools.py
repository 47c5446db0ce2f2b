from datetime import date
from decimal import Decimal as D

from odoo.tests import BaseCase, tagged

from ..tools.penalties import (
    HalfYearRate,
    MissingRateError,
    compute_late_interest,
    half_year_start,
    round_amount,
)

# POL-FR fixture: 2026-H2 = 12.15 %/yr (ECB 2.15 + 10), 2027-H1 = 12.00 %/yr.
RATES = {
    date(2026, 1, 1): HalfYearRate(date(2026, 1, 1), D("3.15"), D("2.62")),
    date(2026, 7, 1): HalfYearRate(date(2026, 7, 1), D("2.15"), D("2.62")),
    date(2027, 1, 1): HalfYearRate(date(2027, 1, 1), D("2.00"), D("2.50")),
}


@tagged("post_install", "-at_install")
class TestPenaltiesTools(BaseCase):
    """The pure computation, without the ORM."""

    def test_rc29_interest_on_unpaid_parts_from_the_day_after_due_date(self):
        cases = [
            # (amount, due, payments, expected days, expected interest)
            (D("1200.00"), date(2026, 9, 15), [(date(2026, 9, 10), D(600))], 35,
             D("6.99")),
            (D("240.00"), date(2026, 9, 20), [], 30, D("2.40")),
            (D("60.00"), date(2026, 9, 25), [], 25, D("0.50")),
        ]  # fmt: skip
        total = D(0)
        for amount, due, payments, days, interest in cases:
            result = compute_late_interest(
                amount, due, date(2026, 10, 20), RATES, payments
            )
            self.assertEqual([s["days"] for s in result.segments], [days])
            self.assertEqual(result.interest, interest)
            self.assertEqual(result.rate, D("12.15"))
            total += result.interest
        self.assertEqual(total, D("9.89"))

    def test_rc30_interest_stops_on_the_payment_day_included(self):
        letter = compute_late_interest(
            D("1200.00"), date(2026, 9, 1), date(2026, 9, 26), RATES
        )
        self.assertEqual(letter.interest, D("9.99"))
        later = compute_late_interest(
            D("1200.00"),
            date(2026, 9, 1),
            date(2026, 10, 20),
            RATES,
            [(date(2026, 10, 5), D("1200.00"))],
        )
        self.assertEqual(
            later.segments,
            [
                {
                    "date_from": date(2026, 9, 2),
                    "date_to": date(2026, 10, 5),
                    "base": D("1200.00"),
                    "rate": D("12.15"),
                    "days": 34,
                    "amount": D("13.58"),
                }
            ],
        )
        self.assertEqual(later.interest, D("13.58"))

    def test_partial_payment_lowers_the_base_from_the_next_day(self):
        result = compute_late_interest(
            D("1000.00"),
            date(2026, 9, 1),
            date(2026, 10, 31),
            RATES,
            [(date(2026, 9, 30), D("400.00"))],
        )
        self.assertEqual(
            [(s["date_from"], s["date_to"], s["base"], s["days"], s["amount"])
             for s in result.segments],
            [
                # 1000 × 12.15 % × 29 / 365 = 9.6534…
                (date(2026, 9, 2), date(2026, 9, 30), D("1000.00"), 29, D("9.65")),
                # 600 × 12.15 % × 31 / 365 = 6.1915…
                (date(2026, 10, 1), date(2026, 10, 31), D("600.00"), 31, D("6.19")),
            ],
        )  # fmt: skip
        self.assertEqual(result.interest, D("15.84"))

    def test_payment_before_due_date_only_lowers_the_base(self):
        result = compute_late_interest(
            D("1000.00"),
            date(2026, 9, 1),
            date(2026, 9, 11),
            RATES,
            [(date(2026, 8, 20), D("1000.00"))],
        )
        self.assertFalse(result.is_late)
        self.assertEqual(result.interest, D(0))

    def test_half_year_boundary_switches_the_rate(self):
        result = compute_late_interest(
            D("1000.00"), date(2026, 6, 20), date(2026, 7, 20), RATES
        )
        self.assertEqual(
            [(s["date_from"], s["date_to"], s["rate"], s["days"], s["amount"])
             for s in result.segments],
            [
                # S1 2026: 3.15 + 10 = 13.15 %; 1000 × 13.15 % × 10 / 365 = 3.6027…
                (date(2026, 6, 21), date(2026, 6, 30), D("13.15"), 10, D("3.60")),
                # S2 2026: 12.15 %; 1000 × 12.15 % × 20 / 365 = 6.6575…
                (date(2026, 7, 1), date(2026, 7, 20), D("12.15"), 20, D("6.66")),
            ],
        )  # fmt: skip
        self.assertEqual(result.interest, D("10.26"))
        self.assertEqual(result.rate, D("12.15"))

    def test_rounding_is_per_segment(self):
        # A tiny payment splits 4 days into two segments of 2 days: each is
        # 100 × 12.15 % × 2 / 365 = 0.0666 -> 0.07, total 0.14, where one
        # rounding of the exact sum (0.1332) would give 0.13.
        result = compute_late_interest(
            D("100.00"),
            date(2026, 9, 1),
            date(2026, 9, 5),
            RATES,
            [(date(2026, 9, 3), D("0.00001"))],
        )
        self.assertEqual([s["amount"] for s in result.segments], [D("0.07")] * 2)
        self.assertEqual(result.interest, D("0.14"))

    def test_floor_of_three_times_the_legal_rate(self):
        rates = {date(2026, 7, 1): HalfYearRate(date(2026, 7, 1), D("0.50"), D(4))}
        result = compute_late_interest(
            D("365.00"), date(2026, 9, 1), date(2026, 9, 11), rates
        )
        # ECB + 10 = 10.50 % < 3 × 4 = 12 %: the floor applies.
        self.assertEqual(result.rate, D(12))
        self.assertEqual(result.interest, D("1.20"))

    def test_contract_rate_used_as_is_with_a_warning_under_the_floor(self):
        low = compute_late_interest(
            D("365.00"), date(2026, 9, 1), date(2026, 9, 11), RATES,
            contract_rate=D(5),
        )  # fmt: skip
        self.assertEqual(low.interest, D("0.50"))
        self.assertEqual(
            [(w.contract_rate, w.floor_rate) for w in low.warnings],
            [(D(5), D("7.86"))],
        )
        high = compute_late_interest(
            D("365.00"), date(2026, 9, 1), date(2026, 9, 11), RATES,
            contract_rate=D(15),
        )  # fmt: skip
        self.assertEqual(high.interest, D("1.50"))
        self.assertFalse(high.warnings)

    def test_missing_half_year_raises(self):
        with self.assertRaises(MissingRateError) as caught:
            compute_late_interest(
                D("100.00"), date(2027, 6, 20), date(2027, 7, 10), RATES
            )
        self.assertEqual(caught.exception.half_year_start, date(2027, 7, 1))

    def test_helpers(self):
        self.assertEqual(half_year_start(date(2026, 6, 30)), date(2026, 1, 1))
        self.assertEqual(half_year_start(date(2026, 7, 1)), date(2026, 7, 1))
        self.assertEqual(round_amount(D("0.005")), D("0.01"))
        self.assertEqual(round_amount(D("-0.005")), D("-0.01"))
