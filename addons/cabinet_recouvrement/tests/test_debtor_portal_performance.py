from datetime import timedelta

from odoo.tests import HttpCase, tagged

from .debtor_portal_common import CabinetDebtorPortalCommon


@tagged("post_install", "-at_install")
class TestDebtorPortalPerformance(CabinetDebtorPortalCommon, HttpCase):
    def _count_list_queries(self):
        """Queries of Paul's /my/invoices, caches warm; checks the count of
        invoices listed."""
        self.authenticate("paul.achat", "paul.achat")
        for __ in range(2):  # warm-up: routing, assets, rules, translations
            self.url_open("/my/invoices")
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        response = self.url_open("/my/invoices")
        queries = self.cr.sql_log_count - before
        self.assertEqual(response.status_code, 200)
        return queries, response.text.count('name="cabinet_state"') - 1

    def _add_invoices(self, count):
        for index in range(count):
            self._create_due_invoice(
                self.client_a,
                self.buyer_b1,
                100.0 + index,
                self.today - timedelta(days=index - 5),
            )

    def test_invoice_list_queries_do_not_grow_with_the_invoices(self):
        self._add_invoices(3)
        queries_n, listed = self._count_list_queries()
        self.assertEqual(listed, 4)
        self._add_invoices(12)
        queries_4n, listed = self._count_list_queries()
        self.assertEqual(listed, 16)
        self.assertEqual(queries_4n, queries_n)
