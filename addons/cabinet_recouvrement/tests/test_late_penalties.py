from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .penalties_common import PenaltiesTestCommon

TODAY = fields.Date.from_string("2026-10-20")


@freeze_time("2026-10-20")
@tagged("post_install", "-at_install")
class TestLatePenalties(PenaltiesTestCommon):
    """account.move._cabinet_get_late_penalties() on real invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # RC-29: B1 owes three late invoices, 0100 half paid before its due date.
        cls.inv_0100 = cls._create_late_invoice(cls.buyer_b1, 1200.0, "2026-09-15")
        cls._pay(cls.inv_0100, 600.0, "2026-09-10")
        cls.inv_0101 = cls._create_late_invoice(cls.buyer_b1, 240.0, "2026-09-20")
        cls.inv_0102 = cls._create_late_invoice(cls.buyer_b1, 60.0, "2026-09-25")
        cls.inv_0103 = cls._create_late_invoice(cls.consumer_p1, 90.0, "2026-09-15")

    def _penalties(self, invoice, as_of=TODAY):
        return self._as_collaborator(invoice)._cabinet_get_late_penalties(as_of)

    def test_rc29_one_indemnity_per_late_invoice_and_interest_on_unpaid_parts(self):
        self.assertEqual(self.inv_0100.amount_residual, 600.0)
        results = [
            self._penalties(move)
            for move in (self.inv_0100, self.inv_0101, self.inv_0102)
        ]
        self.assertEqual([r["interest"] for r in results], [6.99, 2.40, 0.50])
        self.assertEqual([r["indemnity"] for r in results], [40.0, 40.0, 40.0])
        self.assertEqual([r["rate"] for r in results], [12.15] * 3)
        self.assertEqual(
            [[s["days"] for s in r["segments"]] for r in results], [[35], [30], [25]]
        )
        self.assertEqual(results[0]["segments"][0]["base"], 600.0)
        # Callers may pass the date as a string.
        self.assertEqual(self._penalties(self.inv_0101, "2026-10-20"), results[1])
        self.assertAlmostEqual(sum(r["interest"] for r in results), 9.89)
        self.assertEqual(sum(r["indemnity"] for r in results), 120.0)
        self.assertFalse(any(r["warning"] for r in results))

    def test_rc29_consumer_owes_no_indemnity_and_no_interest(self):
        self.assertFalse(self.consumer_p1.cabinet_is_business)
        self.assertEqual(
            self._penalties(self.inv_0103),
            {
                "interest": 0.0,
                "indemnity": 0.0,
                "rate": 0.0,
                "segments": [],
                "warning": False,
            },
        )

    def test_rc30_interest_up_to_the_payment_date_after_full_payment(self):
        invoice = self._create_late_invoice(self.buyer_b1, 1200.0, "2026-09-01")
        letter = self._penalties(invoice, fields.Date.from_string("2026-09-26"))
        self.assertEqual((letter["interest"], letter["indemnity"]), (9.99, 40.0))
        self._pay(invoice, 1200.0, "2026-10-05")
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
        result = self._penalties(invoice)
        self.assertEqual((result["interest"], result["indemnity"]), (13.58, 40.0))
        self.assertEqual(
            result["segments"],
            [
                {
                    "date_from": fields.Date.from_string("2026-09-02"),
                    "date_to": fields.Date.from_string("2026-10-05"),
                    "base": 1200.0,
                    "rate": 12.15,
                    "days": 34,
                    "amount": 13.58,
                }
            ],
        )

    def test_partial_payment_after_due_date_splits_the_interest(self):
        invoice = self._create_late_invoice(self.buyer_b1, 1000.0, "2026-09-01")
        self._pay(invoice, 400.0, "2026-09-30")
        result = self._penalties(invoice, fields.Date.from_string("2026-10-31"))
        self.assertEqual(
            [(s["base"], s["days"], s["amount"]) for s in result["segments"]],
            [(1000.0, 29, 9.65), (600.0, 31, 6.19)],
        )
        self.assertEqual(result["interest"], 15.84)
        # Never prorated: the indemnity stays whole after a partial payment.
        self.assertEqual(result["indemnity"], 40.0)

    def test_paid_on_time_owes_nothing(self):
        invoice = self._create_late_invoice(self.buyer_b1, 120.0, "2026-10-01")
        self._pay(invoice, 120.0, "2026-10-01")
        result = self._penalties(invoice)
        self.assertEqual((result["interest"], result["indemnity"]), (0.0, 0.0))

    def test_half_year_split_uses_each_half_year_rate(self):
        Rate = self.env["cabinet.penalty.rate"]
        Rate.search([]).unlink()
        Rate.create(
            [
                {"date_from": "2026-01-01", "ecb_rate": 3.15, "legal_rate": 2.62},
                {"date_from": "2026-07-01", "ecb_rate": 2.15, "legal_rate": 2.62},
            ]
        )
        invoice = self._create_late_invoice(
            self.buyer_b1, 1000.0, "2026-06-20", invoice_date="2026-06-01"
        )
        result = self._penalties(invoice, fields.Date.from_string("2026-07-20"))
        self.assertEqual(
            [(s["rate"], s["days"], s["amount"]) for s in result["segments"]],
            [(13.15, 10, 3.60), (12.15, 20, 6.66)],
        )
        self.assertEqual((result["interest"], result["rate"]), (10.26, 12.15))

    def _set_legal_rate_2026_h2(self, legal_rate):
        # The seeded 2nd half of 2026 has no legal rate yet (not published).
        self.env["cabinet.penalty.rate"].search(
            [("date_from", "=", "2026-07-01")]
        ).legal_rate = legal_rate

    def test_contract_rate_above_the_floor_is_used_without_warning(self):
        self._set_legal_rate_2026_h2(2.62)
        self.client_a.cabinet_late_interest_rate = 15.0
        result = self._penalties(self.inv_0101)
        # 240 × 15 % × 30 / 365 = 2.9589…
        self.assertEqual((result["interest"], result["rate"]), (2.96, 15.0))
        self.assertFalse(result["warning"])
        self.assertFalse(self.client_a.cabinet_late_interest_warning)

    def test_debtor_contract_rate_below_the_floor_is_used_with_a_warning(self):
        self.client_a.cabinet_late_interest_rate = 15.0
        self._set_legal_rate_2026_h2(2.62)
        self.buyer_b1.with_company(self.client_a).cabinet_late_interest_rate = 5.0
        result = self._penalties(self.inv_0101)
        # 240 × 5 % × 30 / 365 = 0.9863…; floor 3 × 2.62 = 7.86 %.
        self.assertEqual((result["interest"], result["rate"]), (0.99, 5.0))
        self.assertIn("below the floor of 7.86 %", result["warning"])
        partner = self.buyer_b1.with_company(self.client_a)
        self.assertIn("7.86 %", partner.cabinet_late_interest_warning)

    def test_seeded_second_half_2026_warns_that_the_legal_rate_is_missing(self):
        self.client_a.cabinet_late_interest_rate = 9.0
        result = self._penalties(self.inv_0101)
        self.assertIn("legal rate of the 2nd half of 2026", result["warning"])

    def test_missing_rate_names_the_half_year_to_add(self):
        self.env["cabinet.penalty.rate"].search(
            [("date_from", "=", "2026-07-01")]
        ).unlink()
        with self.assertRaisesRegex(
            UserError,
            "Add the rate of the 2nd half of 2026 in Collection > Configuration "
            "> Late-payment rates",
        ):
            self._penalties(self.inv_0101)

    def test_seeded_rates(self):
        rates = self.env["cabinet.penalty.rate"].search(
            [("date_from", ">=", "2024-07-01")], order="date_from"
        )
        self.assertRecordValues(
            rates,
            [
                {"date_from": fields.Date.from_string(day), "penalty_rate": penalty,
                 "legal_rate": legal, "floor_rate": floor}
                for day, penalty, legal, floor in (
                    ("2024-07-01", 14.25, 4.92, 14.76),
                    ("2025-01-01", 13.15, 3.71, 11.13),
                    ("2025-07-01", 12.15, 2.76, 8.28),
                    ("2026-01-01", 12.15, 2.62, 7.86),
                    ("2026-07-01", 12.15, 0.0, 0.0),
                )
            ],
        )  # fmt: skip
        self.assertIn("TO BE CONFIRMED", rates[-1].source)

    def test_a_rate_starts_on_1_january_or_1_july(self):
        with self.assertRaisesRegex(ValidationError, "1 January or 1 July"):
            self.env["cabinet.penalty.rate"].create(
                {"date_from": "2027-03-01", "ecb_rate": 2.0}
            )
        rate = self.env["cabinet.penalty.rate"].create(
            {"date_from": "2027-01-01", "ecb_rate": 2.0, "legal_rate": 4.5}
        )
        # 3 × 4.50 = 13.50 % is above ECB + 10 = 12 %: the floor applies.
        self.assertRecordValues(
            rate,
            [{"name": "1st half of 2027", "penalty_rate": 12.0, "floor_rate": 13.5}],
        )
