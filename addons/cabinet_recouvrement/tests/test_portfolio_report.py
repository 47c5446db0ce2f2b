from dateutil.relativedelta import relativedelta

from odoo.tests import tagged

from .dashboard_common import CabinetDashboardCommon


@tagged("post_install", "-at_install")
class TestPortfolioReport(CabinetDashboardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Fee = cls.env["cabinet.collection.fee"]
        # Client A, amounts with 20 % VAT: 1,200.00 not due, invoiced 10
        # days ago; 2,400.00 due 10 days ago, invoiced 40 days ago; 600.00
        # due 100 days ago, invoiced 120 days ago (before the 90 days of the
        # DSO); a 120.00 credit note of today.
        cls.inv_recent = cls._post_due_invoice(
            cls.client_a, cls.buyer_b1, 1000.0, 20, invoiced_in=-10
        )
        cls.inv_late = cls._post_due_invoice(
            cls.client_a, cls.buyer_b2, 2000.0, -10, invoiced_in=-40
        )
        cls.inv_old = cls._post_due_invoice(
            cls.client_a, cls.buyer_b1, 500.0, -100, invoiced_in=-120
        )
        cls.refund = cls._post_due_invoice(
            cls.client_a, cls.buyer_b1, 100.0, 0, invoiced_in=0, refund=True
        )
        # Client B: 360.00 due 40 days ago, invoiced 70 days ago.
        cls.inv_b = cls._post_due_invoice(
            cls.client_b, cls.buyer_b1, 300.0, -40, invoiced_in=-70
        )

    def _row(self, company):
        return self.Portfolio.search([("company_id", "=", company.id)])

    def _hand_over_and_recover(self):
        """Hand over the late and old invoices (3,000.00), then 900.00 of
        the late one is paid."""
        self._hand_over(self.inv_late | self.inv_old)
        self._pay(self.inv_late, 900.0, self.today)

    def test_portfolio_sums_the_aging_of_each_client(self):
        self.assertRecordValues(
            self._row(self.client_a) | self._row(self.client_b),
            [
                {
                    "company_id": self.client_a.id,
                    "under_mandate": True,
                    "amount_receivable": 4080.0,
                    "amount_overdue": 3000.0,
                    "amount_not_due": 1080.0,
                    "amount_1_30": 2400.0,
                    "amount_31_60": 0.0,
                    "amount_61_90": 0.0,
                    "amount_over_90": 600.0,
                    "amount_invoiced": 3480.0,
                    "amount_under_mandate": 4080.0,
                    "amount_in_collection": 0.0,
                },
                {
                    "company_id": self.client_b.id,
                    "under_mandate": False,
                    "amount_receivable": 360.0,
                    "amount_overdue": 360.0,
                    "amount_not_due": 0.0,
                    "amount_1_30": 0.0,
                    "amount_31_60": 360.0,
                    "amount_61_90": 0.0,
                    "amount_over_90": 0.0,
                    "amount_invoiced": 360.0,
                    "amount_under_mandate": 0.0,
                    "amount_in_collection": 0.0,
                },
            ],
        )

    def test_dso_is_receivables_over_90_days_of_invoicing(self):
        self._hand_over_and_recover()
        # (4,080.00 - 900.00) / (1,200.00 + 2,400.00 - 120.00) * 90
        self.assertAlmostEqual(self._row(self.client_a).dso, 82.24, places=2)
        # 360.00 / 360.00 * 90
        self.assertAlmostEqual(self._row(self.client_b).dso, 90.0, places=2)
        # The dashboard and the client's mission report give the same DSO.
        for company in (self.client_a, self.client_b):
            self.assertAlmostEqual(
                self._row(company).dso,
                company._cabinet_get_dso(self.today),
                places=2,
            )

    def test_dso_is_zero_without_recent_invoicing(self):
        self.inv_b.button_draft()
        self.inv_b.invoice_date = self._days(-91)
        self.inv_b.action_post()
        self.assertRecordValues(
            self._row(self.client_b),
            [{"amount_invoiced": 0.0, "amount_receivable": 360.0, "dso": 0.0}],
        )

    def test_recovery_rate_is_recovered_over_principal_handed_over(self):
        self._pay(self.inv_old, 100.0, self.today)
        self._hand_over_and_recover()
        self.assertRecordValues(
            self._row(self.client_a),
            [
                {
                    "amount_receivable": 3080.0,
                    "amount_in_collection": 2000.0,
                    "amount_handed_over": 2900.0,
                    "amount_recovered": 900.0,
                }
            ],
        )
        # 900.00 / 2,900.00
        self.assertAlmostEqual(self._row(self.client_a).recovery_rate, 31.03, places=2)
        self.assertEqual(self._row(self.client_b).recovery_rate, 0.0)

    def test_fees_earned_and_billed(self):
        self._hand_over_and_recover()
        # Last month: the fixed fee alone, billed (posted invoice).
        last_month = self.today.replace(day=1) - relativedelta(months=1)
        billed = self.Fee._cabinet_bill_month(last_month, self.client_a)
        # This month: 50.00 + 10 % of 900.00, not billed yet.
        draft = self.Fee._cabinet_prepare_statements(self.today, self.client_a)
        self.assertRecordValues(
            billed | draft,
            [
                {"amount_total": 50.0, "state": "invoiced"},
                {"amount_total": 140.0, "state": "draft"},
            ],
        )
        self.assertEqual(billed.invoice_id.state, "posted")
        self.assertRecordValues(
            self._row(self.client_a), [{"fee_earned": 190.0, "fee_billed": 50.0}]
        )

    def test_drill_down_opens_the_aging_of_the_client_by_debtor(self):
        action = self._row(self.client_a).action_open_aging()
        self.assertEqual(action["res_model"], "cabinet.aging.report")
        self.assertEqual(action["context"]["group_by"], ["partner_id"])
        rows = self.Aging.search(action["domain"])
        self.assertEqual(
            rows.move_id, self.inv_recent | self.inv_late | self.inv_old | self.refund
        )

    def test_portfolio_queries_do_not_grow_with_clients(self):
        def read_dashboard():
            self.Portfolio.formatted_read_grouping_sets(
                [], [[], ["company_id"]], ["amount_receivable:sum", "fee_earned:sum"]
            )
            self.Portfolio.web_search_read(
                [], {"company_id": {"fields": {"display_name": {}}}, "dso": {}}
            )

        self.assertEqual(self.Portfolio.search_count([]), 2)
        before = self._count_queries(read_dashboard)
        # Six more client companies (eight rows in all): four times as many.
        for number in range(6):
            company = self._create_client_company(number)
            self.Portfolio = self.Portfolio.with_context(
                allowed_company_ids=self.Portfolio.env.companies.ids + company.ids
            )
        self.assertEqual(self.Portfolio.search_count([]), 8)
        self.assertEqual(self._count_queries(read_dashboard), before)
