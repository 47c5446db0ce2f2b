import re

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged

from .mandate_common import CollectionMandateCommon


@freeze_time("2026-10-05")
@tagged("post_install", "-at_install")
class TestMissionReportCollection(CollectionMandateCommon):
    """The mission report of CA for October 2026 shows the reminders sent,
    the sums recovered by the amicable collection and the collection fee."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_mission_letter(cls.client_a, "collection")
        # 1,250.00 + 20 % = 1,500.00
        cls.invoice = cls._post_invoice(cls.client_a, cls.buyer_b1, 1250.0)
        policy = cls.env["cabinet.dunning.policy"].create(
            {
                "name": "Report policy",
                "company_id": cls.client_a.id,
                "level_ids": [
                    Command.create(
                        {
                            "sequence": 1,
                            "name": "Courtesy",
                            "delay": 3,
                            "tone": "courtesy",
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 2,
                            "name": "Notice",
                            "delay": 25,
                            "tone": "formal_notice",
                        }
                    ),
                ],
            }
        )
        cls.level_1, cls.level_2 = policy.level_ids.sorted("sequence")
        cls.Report = cls.env["cabinet.mission.report"]

    def _send(self, level, date, state="sent", company=None, partner=None):
        return self.env["cabinet.dunning.communication"].create(
            {
                "company_id": (company or self.client_a).id,
                "partner_id": (partner or self.buyer_b1).id,
                "policy_id": level.policy_id.id,
                "level_id": level.id,
                "date": date,
                "state": state,
            }
        )

    def _october(self, company=None):
        return self.Report._get_report_values(
            company or self.client_a,
            fields.Date.to_date("2026-10-01"),
            fields.Date.to_date("2026-10-31"),
        )

    def test_reminders_recovered_and_fee_of_the_month(self):
        self._send(self.level_1, "2026-10-02")
        self._send(self.level_1, "2026-10-03")
        self._send(self.level_2, "2026-10-04")
        # Not counted: sent in September, still a draft, or another company's.
        self._send(self.level_1, "2026-09-30")
        self._send(self.level_2, "2026-10-04", state="draft")
        self._pay(self.invoice, 100.0, "2026-10-01")
        self._hand_over(self.invoice)
        with freeze_time("2026-10-31"):
            self._pay(self.invoice, 1000.0, "2026-10-12")
        with freeze_time("2026-11-02"):
            self._pay(self.invoice, 200.0, "2026-11-02")
        with freeze_time("2026-11-05"):
            self.env["cabinet.collection.fee"]._cabinet_bill_month(
                fields.Date.to_date("2026-10-20"), self.client_a
            )

        collection = self._october()["collection"]
        self.assertEqual(
            collection["reminders"],
            [
                {"level": "Courtesy", "tone": "Courtesy", "count": 2},
                {"level": "Notice", "tone": "Formal notice", "count": 1},
            ],
        )
        self.assertEqual(collection["reminder_count"], 3)
        # 1,000.00 after the hand-over in October; the 100.00 paid before it
        # and the 200.00 of November are not October's recoveries.
        self.assertEqual(collection["recovered"], 1000.0)
        # 50.00 a month plus 10 % of 1,000.00.
        self.assertEqual(collection["base_fee"], 50.0)
        self.assertEqual(collection["success_fee"], 100.0)
        self.assertEqual(collection["fee_total"], 150.0)

        html = (
            self.env["ir.actions.report"]
            ._render_qweb_pdf(
                "cabinet_fullservice.cabinet_mission_report_action",
                self.client_a.ids,
                data={"month": "2026-10"},
            )[0]
            .decode()
        )
        self.assertIn('o_cabinet_reminder_count">3<', html)
        self.assertIn("Formal notice", html)
        fee_cell = re.search(r'o_cabinet_fee_total"[^>]*>(.*?)</td>', html, re.DOTALL)
        self.assertIn("150.00", fee_cell.group(1))

    def test_other_company_has_no_collection_figures(self):
        self._send(self.level_1, "2026-10-02")
        collection = self._october(self.client_b)["collection"]
        self.assertEqual(
            collection,
            {
                "reminders": [],
                "reminder_count": 0,
                "recovered": 0.0,
                "base_fee": 0.0,
                "success_fee": 0.0,
                "fee_total": 0.0,
            },
        )

    def _count_collection_queries(self):
        period = (fields.Date.to_date("2026-10-01"), fields.Date.to_date("2026-10-31"))
        self.env.invalidate_all()
        self.Report._get_collection_values(self.client_a, *period)
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        values = self.Report._get_collection_values(self.client_a, *period)
        return self.cr.sql_log_count - before, values

    def _hand_over_and_recover(self, partners):
        invoices = [self._post_invoice(self.client_a, p, 100.0) for p in partners]
        for invoice in invoices:
            self._hand_over(invoice)
            self._send(self.level_1, "2026-10-05", partner=invoice.partner_id)
        with freeze_time("2026-10-31"):
            for invoice in invoices:
                self._pay(invoice, 50.0, "2026-10-12")

    def test_collection_queries_do_not_grow_with_files(self):
        self._hand_over_and_recover(self.buyer_b2)
        queries, values = self._count_collection_queries()
        self.assertEqual(values["recovered"], 50.0)
        self._hand_over_and_recover(self.buyer_b1 | self.buyer_b4 | self.consumer_p1)
        queries_4n, values = self._count_collection_queries()
        self.assertEqual(values["recovered"], 200.0)
        self.assertEqual(values["reminder_count"], 4)
        self.assertEqual(queries_4n, queries)
