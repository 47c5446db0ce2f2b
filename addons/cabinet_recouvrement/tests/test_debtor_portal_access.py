from odoo import http
from odoo.tests import HttpCase, tagged

from .debtor_portal_common import CabinetDebtorPortalCommon


@tagged("post_install", "-at_install")
class TestDebtorPortalAccess(CabinetDebtorPortalCommon, HttpCase):
    """Who sees what on the debtor portal (RC-23): each debtor its own
    commercial entity's invoices, in the company that issued them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice_a._cabinet_store_facturx_pdf(b"%PDF-1.7 facturx of invoice A")
        cls.invoice_b._cabinet_store_facturx_pdf(b"%PDF-1.7 facturx of invoice B")
        cls.invoice_moved._cabinet_store_facturx_pdf(b"%PDF-1.7 facturx moved")
        cls.reminder = cls._remind(cls.client_a, cls.buyer_b1)

    def _get(self, url, login=None):
        self.authenticate(login, login)
        return self.url_open(url, allow_redirects=False)

    def _post(self, url, data, login=None):
        self.authenticate(login, login)
        data = {**data, "csrf_token": http.Request.csrf_token(self)}
        return self.url_open(url, data=data, allow_redirects=False)

    def _assert_not_found(self, response):
        self.assertEqual(response.status_code, 404, response.url)
        for invoice in (self.invoice_a, self.invoice_b, self.invoice_moved):
            self.assertNotIn(invoice.name, response.text)

    # -------------------------------------------------------------------------
    # Invoices
    # -------------------------------------------------------------------------

    def _listed(self, login):
        """The invoices linked from the /my/invoices page of ``login``."""
        page = self._get("/my/invoices", login)
        self.assertEqual(page.status_code, 200)
        invoices = self.invoice_a | self.invoice_b | self.invoice_moved
        return page, invoices.filtered(
            lambda invoice: f'href="/my/invoices/{invoice.id}?' in page.text
        )

    def test_invoice_list_shows_only_own_commercial_entity(self):
        page_a, listed = self._listed("paul.achat")
        self.assertEqual(listed, self.invoice_a)
        self.assertIn("20 days late", page_a.text)
        page_b, listed = self._listed("berthe.vente")
        self.assertEqual(listed, self.invoice_b | self.invoice_moved)
        self.assertIn("5 days late", page_b.text)

    def test_invoice_page_and_pdf_only_for_own_commercial_entity(self):
        for suffix in ("", "?report_type=pdf", "?report_type=pdf&download=1"):
            url = f"/my/invoices/{self.invoice_moved.id}{suffix}"
            with self.subTest(url=url):
                self._assert_not_found(self._get(url, "paul.achat"))
                self._assert_not_found(self._get(url))
                page = self._get(url, "berthe.vente")
                self.assertEqual(page.status_code, 200)
        page = self._get(f"/my/invoices/{self.invoice_a.id}", "paul.achat")
        self.assertIn("20 days late", page.text)
        self.assertIn(f"/my/cabinet/invoice/{self.invoice_a.id}/facturx", page.text)
        self.assertIn(f"/my/cabinet/statement/{self.client_a.id}", page.text)

    def test_rc23_former_customer_loses_followers_and_token(self):
        self.assertNotIn(self.buyer_b1, self.invoice_moved.message_partner_ids)
        self.assertNotIn(
            self.debtor_a.partner_id, self.invoice_moved.message_partner_ids
        )
        self.assertNotEqual(self.invoice_moved.access_token, self.former_token)
        url = f"/my/invoices/{self.invoice_moved.id}?access_token={self.former_token}"
        self._assert_not_found(self._get(url))
        self._assert_not_found(self._get(url, "paul.achat"))

    def test_facturx_download_checks_ownership(self):
        url = f"/my/cabinet/invoice/{self.invoice_a.id}/facturx"
        response = self._get(url, "paul.achat")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"%PDF-1.7 facturx of invoice A")
        self._assert_not_found(self._get(url, "berthe.vente"))
        self._assert_not_found(self._get(url))
        self._assert_not_found(self._get(f"{url}?access_token=wrong"))
        token_url = f"{url}?access_token={self.invoice_a._portal_ensure_token()}"
        self.assertEqual(self._get(token_url).content, b"%PDF-1.7 facturx of invoice A")
        moved_url = f"/my/cabinet/invoice/{self.invoice_moved.id}/facturx"
        self._assert_not_found(self._get(moved_url, "paul.achat"))
        self._assert_not_found(
            self._get(f"{moved_url}?access_token={self.former_token}")
        )

    def test_statement_of_own_entity_per_issuing_company(self):
        # Reports render as HTML in test mode: the lines can be read.
        statement = self._get(f"/my/cabinet/statement/{self.client_a.id}", "paul.achat")
        self.assertEqual(statement.status_code, 200)
        self.assertIn(self.invoice_a.name, statement.text)
        self.assertNotIn(self.invoice_moved.name, statement.text)
        statement_b = self._get(
            f"/my/cabinet/statement/{self.client_a.id}", "berthe.vente"
        )
        self.assertIn(self.invoice_moved.name, statement_b.text)
        self.assertNotIn(self.invoice_a.name, statement_b.text)
        # Paul's company has no invoice from CB: nothing to show.
        self._assert_not_found(
            self._get(f"/my/cabinet/statement/{self.client_b.id}", "paul.achat")
        )
        anonymous = self._get(f"/my/cabinet/statement/{self.client_a.id}")
        self.assertNotEqual(anonymous.status_code, 200)

    def test_reminder_link_shows_exactly_its_invoices(self):
        self.assertEqual(self.reminder.line_ids.move_id, self.invoice_a)
        url = self.reminder.get_portal_url()
        self.assertIn(f"access_token={self.reminder.access_token}", url)
        page = self._get(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.invoice_a.name, page.text)
        self.assertIn("400.00", page.text)
        self.assertNotIn(self.invoice_moved.name, page.text)
        self.assertIn(self.invoice_a.get_portal_url(), page.text.replace("&amp;", "&"))
        statement = self._get(
            f"/my/cabinet/reminder/{self.reminder.id}/statement"
            f"?access_token={self.reminder.access_token}"
        )
        self.assertEqual(statement.status_code, 200)
        self.assertIn(self.invoice_a.name, statement.text)
        self.assertNotIn(self.invoice_moved.name, statement.text)
        # B2's reminder of CA, opened with B1's token.
        reminder_b2 = self.env["cabinet.dunning.communication"].search(
            [
                ("company_id", "=", self.client_a.id),
                ("partner_id", "=", self.buyer_b2.id),
            ]
        )
        self.assertEqual(reminder_b2.line_ids.move_id, self.invoice_moved)
        token_b1 = self.reminder.access_token
        for wrong in (
            f"/my/cabinet/reminder/{self.reminder.id}",
            f"/my/cabinet/reminder/{self.reminder.id}?access_token=wrong",
            f"/my/cabinet/reminder/{self.reminder.id}/statement?access_token=wrong",
            f"/my/cabinet/reminder/{reminder_b2.id}?access_token={token_b1}",
        ):
            with self.subTest(url=wrong):
                self._assert_not_found(self._get(wrong))
                self._assert_not_found(self._get(wrong, "paul.achat"))

    def test_reminder_email_carries_the_token_link(self):
        body = self.reminder.mail_message_id.body
        link = (
            f"{self.reminder.get_base_url()}/my/cabinet/reminder/{self.reminder.id}"
            f"?access_token={self.reminder.access_token}"
        )
        self.assertIn(link, body.replace("&amp;", "&"))

    def test_requests_refused_to_other_debtors(self):
        Dispute = self.env["cabinet.dunning.dispute"]
        data = {"reason": "Not ours"}
        for login in ("berthe.vente", None):
            with self.subTest(login=login):
                response = self._post(
                    f"/my/cabinet/invoice/{self.invoice_a.id}/dispute", data, login
                )
                self._assert_not_found(response)
        response = self._post(
            f"/my/cabinet/invoice/{self.invoice_moved.id}/dispute",
            {**data, "access_token": self.former_token},
        )
        self._assert_not_found(response)
        response = self._post(
            f"/my/cabinet/reminder/{self.reminder.id}/dispute",
            {**data, "access_token": "wrong", "invoice_ids": self.invoice_a.id},
        )
        self._assert_not_found(response)
        self.assertFalse(Dispute.search([("move_ids", "in", self.invoice_a.ids)]))

    def test_requests_need_the_csrf_token(self):
        self.authenticate("paul.achat", "paul.achat")
        response = self.url_open(
            f"/my/cabinet/invoice/{self.invoice_a.id}/dispute",
            data={"reason": "Forged"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(
            self.env["cabinet.dunning.dispute"].search(
                [("move_ids", "in", self.invoice_a.ids)]
            )
        )

    def test_requests_of_the_debtor(self):
        response = self._post(
            f"/my/cabinet/invoice/{self.invoice_a.id}/dispute",
            {"reason": "Service not delivered"},
            "paul.achat",
        )
        self.assertEqual(response.status_code, 303)
        dispute = self.env["cabinet.dunning.dispute"].search(
            [("move_ids", "in", self.invoice_a.ids)]
        )
        self.assertRecordValues(
            dispute,
            [
                {
                    "company_id": self.client_a.id,
                    "partner_id": self.buyer_b1.id,
                    "name": "Service not delivered",
                    "state": "open",
                }
            ],
        )
        reminder_url = f"/my/cabinet/reminder/{self.reminder.id}/plan"
        response = self._post(
            reminder_url,
            {
                "access_token": self.reminder.access_token,
                "invoice_ids": self.invoice_a.id,
                "instalments": "4",
                "message": "Cash is short this quarter",
            },
        )
        self.assertEqual(response.status_code, 303)
        plan = self.env["cabinet.payment.plan"].search(
            [("move_ids", "in", self.invoice_a.ids)]
        )
        self.assertEqual(plan.state, "draft")
        self.assertEqual(plan.line_ids.mapped("amount"), [100.0] * 4)
        page = self._get(f"/my/invoices/{self.invoice_a.id}", "paul.achat")
        self.assertIn("Dispute in progress: Service not delivered", page.text)
        self.assertIn("Payment plan requested", page.text)

    def test_contact_moved_to_another_parent_loses_access_at_once(self):
        url = f"/my/invoices/{self.invoice_a.id}"
        self.assertEqual(self._get(url, "paul.achat").status_code, 200)
        self.debtor_a.partner_id.parent_id = self.buyer_b2
        self._assert_not_found(self._get(url, "paul.achat"))
        __, listed = self._listed("paul.achat")
        # Paul now buys for B2, but only from CA, the company he belongs to.
        self.assertEqual(listed, self.invoice_moved)
        self._assert_not_found(
            self._get(f"/my/cabinet/invoice/{self.invoice_a.id}/facturx", "paul.achat")
        )
