from datetime import timedelta

from odoo.tests import HttpCase, tagged

from .debtor_portal_common import CabinetDebtorPortalCommon


@tagged("post_install", "-at_install")
class TestDebtorPortalTour(CabinetDebtorPortalCommon, HttpCase):
    """A debtor without an account follows the link of its reminder,
    promises to pay, then pays an invoice with the demo provider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = (
            cls.env["payment.provider"]
            .sudo()
            .search([("code", "=", "demo"), ("company_id", "=", cls.client_a.id)])
        )
        cls.provider.write(
            {
                "state": "test",
                "is_published": True,
                "journal_id": cls.client_a_data["default_journal_bank"].id,
            }
        )
        cls.reminder = cls._remind(cls.client_a, cls.buyer_b1)

    def test_debtor_promises_then_pays_from_the_reminder_link(self):
        self.assertEqual(self.reminder.line_ids.move_id, self.invoice_a)
        self.start_tour(
            self.reminder.get_portal_url(), "cabinet_debtor_reminder_tour", login=None
        )
        promise = self.env["cabinet.payment.promise"].search(
            [("move_ids", "in", self.invoice_a.ids)]
        )
        self.assertRecordValues(
            promise,
            [
                {
                    "partner_id": self.buyer_b1.id,
                    "company_id": self.client_a.id,
                    "date": self.today + timedelta(days=30),
                    "amount": 400.0,
                    "state": "open",
                }
            ],
        )
        transaction = self.invoice_a.transaction_ids
        self.assertRecordValues(
            transaction,
            [{"provider_id": self.provider.id, "state": "done", "amount": 400.0}],
        )
        self.assertIn(self.invoice_a.payment_state, ("paid", "in_payment"))

    def test_logged_in_debtor_pays_from_the_page_without_token(self):
        # From its account, the debtor opens the invoice without the token in
        # the address: the payment form still authenticates with the
        # invoice's own token (the transaction route requires one).
        self.authenticate("paul.achat", "paul.achat")
        page = self.url_open(f"/my/invoices/{self.invoice_a.id}")
        self.assertEqual(page.status_code, 200)
        self.assertTrue(self.invoice_a.access_token)
        self.assertIn(f'data-access-token="{self.invoice_a.access_token}"', page.text)
