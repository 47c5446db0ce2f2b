from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .client_portal_common import CabinetClientPortalCommon


@freeze_time("2026-10-20")
@tagged("post_install", "-at_install")
class TestMissionReport(CabinetClientPortalCommon):
    """October 2026 of client CA, seen on 2026-10-20 (amounts incl. 20 % VAT):
    1,200.00 not due, 600.00 late 10 days, a 120.00 credit note, 300.00 late
    40 days, 120.00 late 71 days, 60.00 late 132 days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        post = cls._post_client_invoice
        cls.inv_not_due = post(cls.client_a, 1000.0, "2026-10-05", "2026-11-04")
        cls.inv_late_10 = post(cls.client_a, 500.0, "2026-10-01", "2026-10-10")
        cls.refund = post(
            cls.client_a, 100.0, "2026-10-12", "2026-10-12", move_type="out_refund"
        )
        cls.inv_late_40 = post(cls.client_a, 250.0, "2026-08-01", "2026-09-10")
        cls.inv_late_71 = post(cls.client_a, 100.0, "2026-07-01", "2026-08-10")
        cls.inv_late_132 = post(cls.client_a, 50.0, "2026-05-01", "2026-06-10")
        # Noise: another client's invoice and a draft of CA.
        post(cls.client_b, 9000.0, "2026-10-05", "2026-10-06")
        cls._create_client_invoice(
            cls.client_a, cls.buyer_b1, [("Draft", 1, 777.0, 20.0)], "2026-10-05"
        )
        cls.env["cabinet.invoice.status"].sudo().create(
            [
                {"move_id": cls.inv_not_due.id, "code": "205"},
                {"move_id": cls.inv_late_10.id, "code": "205"},
            ]
        )
        cls.Report = cls.env["cabinet.mission.report"]

    def _october(self, company):
        return self.Report._get_report_values(
            company,
            fields.Date.to_date("2026-10-01"),
            fields.Date.to_date("2026-10-31"),
        )

    def test_invoices_issued_in_the_month(self):
        values = self._october(self.client_a)
        self.assertEqual(values["issued"], {"count": 2, "amount": 1800.0})
        self.assertEqual(values["as_of"], fields.Date.to_date("2026-10-20"))
        self.assertEqual(
            values["statuses"], [{"code": "205", "label": "Approved", "count": 2}]
        )

    def test_amounts_due_by_age(self):
        aging = self._october(self.client_a)["aging"]
        self.assertEqual(
            [(b["key"], b["count"], b["amount"]) for b in aging["buckets"]],
            [
                ("not_due", 1, 1200.0),
                ("1_30", 2, 480.0),
                ("31_60", 1, 300.0),
                ("61_90", 1, 120.0),
                ("over_90", 1, 60.0),
            ],
        )
        self.assertEqual(aging["total"], 2160.0)
        self.assertEqual(aging["overdue"], 960.0)
        self.assertEqual(aging["buckets"][0]["percent"], 100)
        self.assertEqual(aging["buckets"][1]["percent"], 40)

    def test_dso(self):
        # Open 2,160.00 / invoiced 1,200 + 600 + 300 - 120 = 1,980.00 since
        # 2026-07-23, x 90 days.
        self.assertEqual(
            self.client_a._cabinet_get_dso(fields.Date.to_date("2026-10-20")), 98.18
        )
        self.assertEqual(self._october(self.client_a)["dso"], 98.18)
        # Nothing was invoiced before May.
        self.assertEqual(
            self.client_a._cabinet_get_dso(fields.Date.to_date("2026-04-30")), 0.0
        )

    def test_figures_are_the_company_s_own(self):
        values = self._october(self.client_b)
        self.assertEqual(values["issued"], {"count": 1, "amount": 10800.0})
        self.assertEqual(values["aging"]["total"], 10800.0)
        self.assertEqual(values["aging"]["overdue"], 10800.0)
        self.assertEqual(
            values["statuses"],
            [{"code": "", "label": "No platform status yet", "count": 1}],
        )

    def test_month_period(self):
        self.assertEqual(
            self.Report._get_month_period("2026-02"),
            (fields.Date.to_date("2026-02-01"), fields.Date.to_date("2026-02-28")),
        )
        self.assertEqual(
            self.Report._get_month_period("garbage"),
            (fields.Date.to_date("2026-10-01"), fields.Date.to_date("2026-10-31")),
        )

    def test_mission_month_period(self):
        period = self.Report._get_mission_month_period
        october = (
            fields.Date.to_date("2026-10-01"),
            fields.Date.to_date("2026-10-31"),
        )
        self.assertEqual(
            period(self.client_a, "2026-01"),
            (
                fields.Date.to_date("2026-01-01"),
                fields.Date.to_date("2026-01-31"),
                True,
            ),
        )
        self.assertEqual(period(self.client_a, None), (*october, True))
        # Malformed, before the mandate (2026-01-01) or not begun yet.
        for month in ("garbage", "2025-12", "1999-01", "2026-11", "2026-1"):
            self.assertEqual(period(self.client_a, month), (*october, False), month)

    def test_pdf_report_numbers_in_the_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        html, __ = (
            self.env["ir.actions.report"]
            .with_context(lang="fr_FR")
            ._render_qweb_pdf(
                "cabinet_fullservice.cabinet_mission_report_action",
                self.client_a.ids,
                data={"month": "2026-10"},
            )
        )
        html = html.decode()
        self.assertRegex(html, r'o_cabinet_dso"[^>]*>98,18<')
        self.assertIn("1\xa0800,00", html)
        self.assertIn("2\xa0160,00", html)

    def test_pdf_report_renders_the_figures(self):
        html, __ = self.env["ir.actions.report"]._render_qweb_pdf(
            "cabinet_fullservice.cabinet_mission_report_action",
            self.client_a.ids,
            data={"month": "2026-10"},
        )
        html = html.decode()
        self.assertIn("Atelier Fictif SARL", html)
        self.assertRegex(html, r'o_cabinet_dso"[^>]*>98.18<')
        self.assertIn('data-bucket="over_90"', html)

    def _count_report_queries(self):
        self.env.invalidate_all()
        self._october(self.client_a)  # warm the caches
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        values = self._october(self.client_a)
        return self.cr.sql_log_count - before, values

    def test_report_queries_do_not_grow_with_invoices(self):
        # Counted rather than fixed: modules extending the report add theirs.
        queries, values = self._count_report_queries()
        self.assertEqual(values["issued"]["count"], 2)
        # Four times the invoices, each with its own due date and status.
        for day in range(1, 19):
            invoice = self._post_client_invoice(
                self.client_a, 10.0 * day, f"2026-10-{day:02d}", f"2026-10-{day:02d}"
            )
            self.env["cabinet.invoice.status"].sudo().create(
                {"move_id": invoice.id, "code": "200" if day % 2 else "212"}
            )
        queries_4n, values = self._count_report_queries()
        self.assertEqual(values["issued"]["count"], 20)
        self.assertEqual(queries_4n, queries)
