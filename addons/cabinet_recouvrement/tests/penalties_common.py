from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.cabinet_fullservice.tests.common import CabinetTestCommon


class PenaltiesTestCommon(CabinetTestCommon):
    """Client company CA with its collaborator, and invoices to B1 and P1."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_billing_mandate(cls.client_a)
        cls.collaborator = new_test_user(
            cls.env,
            login="collab.penalties",
            groups="base.group_user,"
            "cabinet_fullservice.cabinet_fullservice_group_collaborator",
            company_id=cls.firm.id,
            company_ids=[Command.set(cls.firm.ids)],
        )
        cls.client_a.cabinet_collaborator_ids = cls.collaborator
        cls.buyer_b1.with_company(cls.client_a).cabinet_late_interest_rate = 0.0
        cls.client_a.cabinet_late_interest_rate = 0.0

    # -------------------------------------------------------------------------
    # HELPERS
    # -------------------------------------------------------------------------

    @classmethod
    def _create_late_invoice(
        cls, partner, total, due_date, invoice_date="2026-09-01", company=None
    ):
        """A posted invoice of ``total`` incl. 20 % VAT due on ``due_date``."""
        company = company or cls.client_a
        invoice = cls._create_client_invoice(
            company,
            partner,
            [("Prestation", 1, total / 1.2, 20.0)],
            invoice_date=invoice_date,
        )
        invoice.invoice_date_due = fields.Date.to_date(due_date)
        invoice.action_post()
        return invoice

    @classmethod
    def _pay(cls, invoice, amount, payment_date):
        """Register a payment of ``amount`` on ``invoice`` on that date."""
        wizard = (
            cls.env["account.payment.register"]
            .with_company(invoice.company_id)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": payment_date})
        )
        wizard._create_payments()
        return invoice

    def _as_collaborator(self, records):
        return records.with_user(self.collaborator).with_company(self.client_a)
