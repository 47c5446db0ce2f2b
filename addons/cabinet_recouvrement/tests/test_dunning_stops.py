from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import CabinetDunningCommon


@freeze_time("2026-10-20 06:00:00")
@tagged("post_install", "-at_install")
class TestDunningStops(CabinetDunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._create_due_invoice(
            cls.client_a, cls.buyer_b1, 400.0, "2026-10-17"
        )

    def _assert_nothing_sent(self, date="2026-10-20"):
        self._run(date)
        self.assertFalse(self._communications())

    def _assert_sent(self, date="2026-10-20"):
        self._run(date)
        self.assertEqual(len(self._communications()), 1)

    def test_open_credit_note_leaves_nothing_to_remind(self):
        self._create_due_invoice(
            self.client_a, self.buyer_b1, 400.0, "2026-10-17", move_type="out_refund"
        )
        self._assert_nothing_sent()

    def test_unreconciled_payment_leaves_nothing_to_remind(self):
        payment = self.env["account.payment"].create(
            {
                "company_id": self.client_a.id,
                "partner_id": self.buyer_b1.id,
                "payment_type": "inbound",
                "partner_type": "customer",
                "amount": 500.0,
                "date": "2026-10-19",
                "journal_id": self.client_a_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        self._assert_nothing_sent()

    def test_partial_credit_still_reminds(self):
        self._create_due_invoice(
            self.client_a, self.buyer_b1, 100.0, "2026-10-17", move_type="out_refund"
        )
        self._assert_sent()

    def test_open_dispute_on_the_debtor_stops_and_resumes_when_solved(self):
        dispute = self.env["cabinet.dunning.dispute"].create(
            {
                "name": "Livraison incomplète",
                "company_id": self.client_a.id,
                "partner_id": self.buyer_b1.id,
            }
        )
        self._assert_nothing_sent()
        dispute.action_solve()
        self._assert_sent()

    def test_dispute_on_an_invoice_stops_only_that_invoice(self):
        other = self._create_due_invoice(
            self.client_a, self.buyer_b1, 100.0, "2026-10-17"
        )
        self.env["cabinet.dunning.dispute"].create(
            {
                "name": "Prix contesté",
                "company_id": self.client_a.id,
                "partner_id": self.buyer_b1.id,
                "move_ids": [Command.set(self.invoice.ids)],
            }
        )
        self._assert_sent()
        self.assertEqual(self._communications().line_ids.move_id, other)

    def _set_status(self, code):
        self.env["cabinet.invoice.status"].sudo().create(
            {"move_id": self.invoice.id, "code": code}
        )
        self.assertEqual(self.invoice.cabinet_status_code, code)

    def test_lifecycle_status_in_dispute_waits(self):
        self._set_status("207")
        self._assert_nothing_sent()

    def test_lifecycle_status_payment_sent_waits(self):
        self._set_status("211")
        self._assert_nothing_sent()

    def test_lifecycle_status_refused_rejected_cancelled_stop(self):
        for code in ("210", "213", "220"):
            with self.subTest(code=code):
                self._set_status(code)
                self._assert_nothing_sent()

    def test_promise_waits_until_its_date_then_broken_promise_resumes(self):
        promise = self.env["cabinet.payment.promise"].create(
            {
                "company_id": self.client_a.id,
                "partner_id": self.buyer_b1.id,
                "date": "2026-10-25",
                "amount": 400.0,
            }
        )
        self._assert_nothing_sent("2026-10-25")
        self.assertEqual(promise.state, "open")
        self._assert_sent("2026-10-26")
        self.assertEqual(promise.state, "broken")

    def test_preview_leaves_a_past_promise_open(self):
        promise = self.env["cabinet.payment.promise"].create(
            {
                "company_id": self.client_a.id,
                "partner_id": self.buyer_b1.id,
                "date": "2026-10-18",
            }
        )
        run = self._run("2026-10-20", dry_run=True)
        self.assertEqual(run.proposal_count, 1)
        self.assertEqual(promise.state, "open")
        self.assertFalse(self._communications())

    def test_payment_plan_kept_stops_broken_plan_resumes(self):
        plan = self.env["cabinet.payment.plan"].create(
            {
                "company_id": self.client_a.id,
                "partner_id": self.buyer_b1.id,
                "move_ids": [Command.set(self.invoice.ids)],
                "line_ids": [
                    Command.create({"date": "2026-10-25", "amount": 200.0}),
                    Command.create({"date": "2026-11-25", "amount": 200.0}),
                ],
            }
        )
        plan.action_activate()
        self._pay(self.invoice, amount=200.0, date="2026-10-24")
        self._assert_nothing_sent("2026-11-20")
        self.assertEqual(plan.state, "active")
        # The second instalment is not paid on time.
        self._assert_sent("2026-11-26")
        self.assertEqual(plan.state, "broken")

    def test_paused_debtor(self):
        self.buyer_b1.with_company(self.client_a).cabinet_dunning_paused = True
        self._assert_nothing_sent()

    def test_blocked_invoice(self):
        self.invoice.cabinet_dunning_blocked = True
        self._assert_nothing_sent()

    def test_excluded_invoice(self):
        self.invoice.cabinet_dunning_excluded = True
        self._assert_nothing_sent()
