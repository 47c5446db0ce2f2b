from freezegun import freeze_time

from odoo.tests import tagged

from .common import CabinetDunningCommon

# Queries of one run reminding two debtors by e-mail, whatever the number of
# their invoices, caches warm (measured 103 to 106 on 19.0, some margin).
RUN_QUERIES = 115


@freeze_time("2026-10-20 06:00:00")
@tagged("post_install", "-at_install")
class TestDunningPerformance(CabinetDunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy_b = cls._create_pol_fr_policy(cls.client_b)
        cls.client_b.cabinet_dunning_policy_id = cls.policy_b
        cls._create_mission_letter(cls.client_b, "dunning")

    def _prepare(self, company, count, debtors=None):
        debtors = debtors or (self.buyer_b1, self.buyer_b2)
        for index in range(count):
            debtor = debtors[index % 2]
            self._create_due_invoice(company, debtor, 100.0 + index, "2026-10-17")
        self.env.flush_all()
        self.env.invalidate_all()

    def _count_queries(self, company):
        before = self.env.cr.sql_log_count
        self._run("2026-10-20", company=company)
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def _warm_up(self):
        """Two more debtors, and a first run reminding every debtor so that
        the measured runs start with warm caches (templates, access rules).
        """
        debtors = self.env["res.partner"].create(
            [
                {"name": name, "is_company": True, "email": email}
                for name, email in (
                    ("Debtor C", "compta@debtor-c.example"),
                    ("Debtor D", "compta@debtor-d.example"),
                )
            ]
        )
        self._prepare(self.client_a, 2)
        self._prepare(self.client_a, 2, debtors=debtors)
        self._run("2026-10-20", company=self.client_a)
        return debtors

    def test_run_queries_do_not_grow_with_the_invoices_of_a_batch(self):
        debtors = self._warm_up()
        self._prepare(self.client_b, 5)
        with self.assertQueryCount(RUN_QUERIES):
            self._run("2026-10-20", company=self.client_b)
            self.env.flush_all()
        self._prepare(self.client_b, 20, debtors=debtors)
        with self.assertQueryCount(RUN_QUERIES):
            self._run("2026-10-20", company=self.client_b)
            self.env.flush_all()
        communications = self.Communication.search(
            [("company_id", "=", self.client_b.id)]
        )
        self.assertEqual(len(communications), 4)
        self.assertEqual(len(communications.line_ids), 25)

    def test_run_query_count_is_the_same_for_5_and_20_invoices(self):
        debtors = self._warm_up()
        self._prepare(self.client_b, 5)
        few = self._count_queries(self.client_b)
        self._prepare(self.client_b, 20, debtors=debtors)
        many = self._count_queries(self.client_b)
        # Cold caches make the first count a little higher, never the second.
        self.assertLessEqual(many, few)
