from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .mandate_common import CollectionMandateCommon


@freeze_time("2026-10-05")
@tagged("post_install", "-at_install")
class TestCollectionFee(CollectionMandateCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.letter_a = cls._create_mission_letter(cls.client_a, "collection")
        # 1,250.00 + 20 % = 1,500.00 and 500.00 + 20 % = 600.00
        cls.inv_a1 = cls._post_invoice(cls.client_a, cls.buyer_b1, 1250.0)
        cls.inv_a2 = cls._post_invoice(cls.client_a, cls.buyer_b2, 500.0)
        cls.Fee = cls.env["cabinet.collection.fee"]

    def _recover_1250_in_october(self):
        """Hand over on 2026-10-05; 1,000.00 then 250.00 recovered in October
        and 600.00 in November; 100.00 paid before the hand-over."""
        self._pay(self.inv_a1, 100.0, "2026-10-01")
        files = self._hand_over(self.inv_a1 | self.inv_a2)
        with freeze_time("2026-10-31"):
            self._pay(self.inv_a1, 1000.0, "2026-10-12")
            self._pay(self.inv_a2, 250.0, "2026-10-28")
        with freeze_time("2026-11-02"):
            self._pay(self.inv_a2, 350.0, "2026-11-02")
        return files

    def _bill_october(self):
        with freeze_time("2026-11-05"):
            return self.Fee._cabinet_bill_month(self.TODAY, self.client_a)

    def test_fee_is_base_plus_rate_of_recovered(self):
        files = self._recover_1250_in_october()
        fee = self._bill_october()
        self.assertRecordValues(
            fee,
            [
                {
                    "company_id": self.client_a.id,
                    "firm_id": self.firm.id,
                    "date_from": self.TODAY.replace(day=1),
                    "base_fee": 50.0,
                    "amount_recovered": 1250.0,
                    "success_fee": 125.0,
                    "amount_total": 175.0,
                    "state": "invoiced",
                }
            ],
        )
        self.assertRecordValues(
            fee.line_ids,
            [
                {
                    "file_id": files.filtered(
                        lambda f: f.partner_id == self.buyer_b1
                    ).id,
                    "partner_id": self.buyer_b1.id,
                    "move_id": self.inv_a1.id,
                    "amount_recovered": 1000.0,
                    "amount_fee": 100.0,
                },
                {
                    "file_id": files.filtered(
                        lambda f: f.partner_id == self.buyer_b2
                    ).id,
                    "partner_id": self.buyer_b2.id,
                    "move_id": self.inv_a2.id,
                    "amount_recovered": 250.0,
                    "amount_fee": 25.0,
                },
            ],
        )

    def test_fee_with_tiers(self):
        # 10 % (letter) up to 1,000.00, then 5 %: 100.00 + 12.50 = 112.50.
        self.env["cabinet.collection.fee.tier"].create(
            {"mission_letter_id": self.letter_a.id, "amount_from": 1000.0, "rate": 5.0}
        )
        self._recover_1250_in_october()
        fee = self._bill_october()
        self.assertRecordValues(fee, [{"success_fee": 112.5, "amount_total": 162.5}])
        self.assertEqual(sum(fee.line_ids.mapped("amount_fee")), 112.5)

    def test_tier_rate_outside_2_to_20_percent_refused(self):
        Tier = self.env["cabinet.collection.fee.tier"]
        for rate in (1.0, 25.0):
            with self.subTest(rate=rate), self.assertRaises(ValidationError):
                Tier.create(
                    {
                        "mission_letter_id": self.letter_a.id,
                        "amount_from": 5000.0,
                        "rate": rate,
                    }
                )

    def test_invoice_issued_by_the_firm_to_the_client(self):
        self._recover_1250_in_october()
        fee = self._bill_october()
        invoice = fee.invoice_id
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "posted",
                    "company_id": self.firm.id,
                    "partner_id": self.client_a.partner_id.id,
                    "amount_untaxed": 175.0,
                    "amount_tax": 35.0,
                    "amount_total": 210.0,
                }
            ],
        )
        self.assertNotIn(invoice.partner_id, self.buyer_b1 | self.buyer_b2)
        self.assertEqual(
            invoice.invoice_line_ids.mapped("price_subtotal"), [50.0, 125.0]
        )
        self.assertIn(self.inv_a1.name, invoice.invoice_line_ids[1].name)
        annex = self.env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        self.assertEqual(annex.name, "Collection fee annex 2026-10.pdf")

    def test_nothing_recovered_bills_the_base_fee_only(self):
        # RC-30: the principal was paid before any hand-over; outstanding
        # principal 0.00 gives no success fee, only the agreed base fee.
        self._pay(self.inv_a1, 1500.0, "2026-10-05")
        self.assertFalse(self._hand_over(self.inv_a1))
        fee = self._bill_october()
        self.assertRecordValues(
            fee, [{"amount_recovered": 0.0, "success_fee": 0.0, "amount_total": 50.0}]
        )
        self.assertEqual(fee.invoice_id.invoice_line_ids.mapped("price_unit"), [50.0])

    def test_second_billing_of_the_month_is_a_no_op(self):
        self._recover_1250_in_october()
        fee = self._bill_october()
        invoice = fee.invoice_id
        with freeze_time("2026-11-06"):
            self._pay(self.inv_a1, 100.0, "2026-10-30")
        again = self._bill_october()
        self.assertEqual(again, fee)
        self.assertEqual(again.invoice_id, invoice)
        self.assertEqual(again.amount_total, 175.0)
        self.assertEqual(
            self.env["account.move"].search_count(
                [("partner_id", "=", self.client_a.partner_id.id)]
            ),
            1,
        )

    def test_one_statement_per_client_and_month(self):
        fee = self._bill_october()
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.Fee.create(
                self.Fee._prepare_fee_vals(self.letter_a, fee.date_from, fee.date_to)
            )

    def test_cron_bills_last_month_once(self):
        self._recover_1250_in_october()
        # Outside a cron job the progress API commits: keep the test's
        # transaction and report plenty of time left instead.
        with (
            freeze_time("2026-11-01"),
            patch.object(
                type(self.env["ir.cron"]), "_commit_progress", return_value=60.0
            ) as progress,
        ):
            self.Fee._cron_bill_collection_fees()
            self.Fee._cron_bill_collection_fees()
        self.assertEqual(progress.call_count, 1)
        fee = self.Fee.search([("company_id", "=", self.client_a.id)])
        self.assertRecordValues(fee, [{"state": "invoiced", "amount_total": 175.0}])

    def test_no_statement_without_a_collection_letter(self):
        self._create_mission_letter(self.client_b, "dunning")
        with freeze_time("2026-11-05"):
            fees = self.Fee._cabinet_bill_month(self.TODAY)
        self.assertEqual(fees.company_id, self.client_a)
