from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .dashboard_common import CabinetDashboardCommon


@tagged("post_install", "-at_install")
class TestAgingReport(CabinetDashboardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        contact_b1 = cls.env["res.partner"].create(
            {"name": "Service comptable", "parent_id": cls.buyer_b1.id}
        )
        # Amounts excluding VAT; 20 % VAT on top.
        cls.inv_not_due = cls._post_due_invoice(cls.client_a, cls.buyer_b1, 100.0, 10)
        cls.inv_due_today = cls._post_due_invoice(cls.client_a, contact_b1, 200.0, 0)
        cls.inv_1 = cls._post_due_invoice(cls.client_a, cls.buyer_b1, 300.0, -1)
        cls.inv_30 = cls._post_due_invoice(cls.client_a, cls.buyer_b2, 400.0, -30)
        cls.inv_31 = cls._post_due_invoice(cls.client_a, cls.buyer_b2, 500.0, -31)
        cls.inv_90 = cls._post_due_invoice(cls.client_a, cls.buyer_b1, 600.0, -90)
        cls.inv_91 = cls._post_due_invoice(cls.client_a, cls.buyer_b2, 700.0, -91)
        cls.refund = cls._post_due_invoice(
            cls.client_a, cls.buyer_b1, 50.0, -5, refund=True
        )
        cls.inv_b = cls._post_due_invoice(cls.client_b, cls.buyer_b1, 1000.0, -45)

    def _client_a_moves(self):
        return (
            self.inv_not_due
            | self.inv_due_today
            | self.inv_1
            | self.inv_30
            | self.inv_31
            | self.inv_90
            | self.inv_91
            | self.refund
        )

    def _rows(self, moves):
        return self.Aging.search([("move_id", "in", moves.ids)], order="move_id")

    def test_rows_are_aged_by_due_date_at_today(self):
        moves = self._client_a_moves() - self.refund
        expected = [
            (self.inv_not_due, self.buyer_b1, 10, 0, "not_due", 120.0),
            (self.inv_due_today, self.buyer_b1, 0, 0, "not_due", 240.0),
            (self.inv_1, self.buyer_b1, -1, 1, "1_30", 360.0),
            (self.inv_30, self.buyer_b2, -30, 30, "1_30", 480.0),
            (self.inv_31, self.buyer_b2, -31, 31, "31_60", 600.0),
            (self.inv_90, self.buyer_b1, -90, 90, "61_90", 720.0),
            (self.inv_91, self.buyer_b2, -91, 91, "over_90", 840.0),
        ]
        self.assertRecordValues(
            self._rows(moves),
            [
                {
                    "move_id": move.id,
                    "company_id": self.client_a.id,
                    "partner_id": debtor.id,
                    "move_type": "out_invoice",
                    "date_maturity": self._days(due_in),
                    "days_overdue": days,
                    "aging_bucket": bucket,
                    "amount_residual": amount,
                    "amount_total_signed": amount,
                    "under_mandate": True,
                    "in_collection_file": False,
                }
                for move, debtor, due_in, days, bucket, amount in expected
            ],
        )

    def test_partial_payment_reduces_the_residual(self):
        self._pay(self.inv_31, 250.0, self.today)
        self.assertRecordValues(
            self._rows(self.inv_31),
            [{"amount_residual": 350.0, "amount_total_signed": 600.0}],
        )
        self._pay(self.inv_31, 350.0, self.today)
        self.assertFalse(self._rows(self.inv_31))

    def test_credit_note_is_negative(self):
        self.assertRecordValues(
            self._rows(self.refund),
            [
                {
                    "move_type": "out_refund",
                    "aging_bucket": "1_30",
                    "days_overdue": 5,
                    "amount_residual": -60.0,
                    "amount_total_signed": -60.0,
                }
            ],
        )

    def test_only_a_collection_mandate_puts_a_client_under_mandate(self):
        self.assertRecordValues(
            self._rows(self.inv_b),
            [{"company_id": self.client_b.id, "under_mandate": False}],
        )
        self.letter_a.action_close()
        self.assertFalse(self._rows(self.inv_91).under_mandate)

    def test_handed_over_invoice_is_in_a_collection_file(self):
        self._hand_over(self.inv_91)
        self.assertRecordValues(
            self._rows(self.inv_91 | self.inv_90),
            [{"in_collection_file": False}, {"in_collection_file": True}],
        )

    def test_pivot_sums_debtors_per_bucket(self):
        groups = self.Aging._read_group(
            [("company_id", "=", self.client_a.id)],
            ["partner_id", "aging_bucket"],
            ["amount_residual:sum", "__count"],
        )
        self.assertEqual(
            sorted(
                (partner.id, bucket, total, count)
                for partner, bucket, total, count in groups
            ),
            sorted(
                [
                    (self.buyer_b1.id, "not_due", 360.0, 2),
                    (self.buyer_b1.id, "1_30", 300.0, 2),
                    (self.buyer_b1.id, "61_90", 720.0, 1),
                    (self.buyer_b2.id, "1_30", 480.0, 1),
                    (self.buyer_b2.id, "31_60", 600.0, 1),
                    (self.buyer_b2.id, "over_90", 840.0, 1),
                ]
            ),
        )

    def test_collaborator_sees_only_the_companies_allowed(self):
        user = self._create_collaborator("dash.collab.a", self.firm | self.client_a)
        Aging = self.env["cabinet.aging.report"].with_user(user)
        rows = Aging.with_context(allowed_company_ids=user.company_ids.ids).search([])
        self.assertEqual(rows.company_id, self.client_a)
        self.assertEqual(len(rows), 8)
        self.assertEqual(rows.move_id, self._client_a_moves())
        with self.assertRaises(AccessError):
            Aging.with_context(
                allowed_company_ids=(user.company_ids | self.client_b).ids
            ).search([])
        self.assertEqual(
            self.env["cabinet.portfolio.report"]
            .with_user(user)
            .with_context(allowed_company_ids=user.company_ids.ids)
            .search([])
            .company_id,
            self.client_a,
        )

    def test_collaborator_opens_the_reporting_views(self):
        user = self._create_collaborator("dash.collab.views", self.firm | self.client_a)
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        for xmlid in ("cabinet_portfolio_report_menu", "cabinet_aging_report_menu"):
            self.assertIn(self.env.ref(f"cabinet_recouvrement.{xmlid}").id, visible)
        view_types = ("list", "pivot", "graph", "search")
        for model in ("cabinet.aging.report", "cabinet.portfolio.report"):
            views = (
                self.env[model]
                .with_user(user)
                .get_views([(False, view_type) for view_type in view_types])
            )
            self.assertEqual(set(views["views"]), set(view_types))

    def test_portal_user_reads_no_dashboard(self):
        portal = new_test_user(
            self.env, login="dash.portal", groups="base.group_portal"
        )
        for model in ("cabinet.aging.report", "cabinet.portfolio.report"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(portal).search([])

    def test_drill_down_from_debtor_to_invoices(self):
        row = self._rows(self.inv_91)
        action = row.action_open_debtor_invoices()
        self.assertEqual(
            self.env["account.move"].search(action["domain"]),
            self.inv_30 | self.inv_31 | self.inv_91,
        )
        self.assertEqual(row.action_open_invoice()["res_id"], self.inv_91.id)

    def test_pivot_queries_do_not_grow_with_invoices_and_debtors(self):
        grouping_sets = [
            [],
            ["partner_id"],
            ["aging_bucket"],
            ["partner_id", "aging_bucket"],
        ]

        def read_pivot():
            self.Aging.formatted_read_grouping_sets(
                [], grouping_sets, ["amount_residual:sum", "__count"]
            )
            self.Aging.web_read_group(
                [], ["company_id"], ["amount_residual:sum", "__count"]
            )

        before = self._count_queries(read_pivot)
        # Three more debtors with invoices in every bucket, in both clients.
        for number in range(3):
            debtor = self.env["res.partner"].create({"name": f"Debtor {number}"})
            for company in (self.client_a, self.client_b):
                for due_in in (5, -10, -40, -70, -100):
                    self._post_due_invoice(company, debtor, 100.0, due_in)
        self.assertEqual(self._count_queries(read_pivot), before)
