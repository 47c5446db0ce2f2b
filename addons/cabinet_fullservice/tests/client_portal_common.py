from odoo import Command
from odoo.tests import new_test_user

from .common import CabinetTestCommon


class CabinetClientPortalCommon(CabinetTestCommon):
    """Client companies CA and CB under active billing mandates, each with a
    portal user (an employee contact of the company's partner); a debtor
    portal user (customer B1) and an internal user of CB only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_billing_mandate(cls.client_a, scope_refund=True)
        cls._create_billing_mandate(cls.client_b, scope_refund=True)
        cls.user_a = cls._create_portal_user("client_a", cls.client_a.partner_id)
        cls.user_b = cls._create_portal_user("client_b", cls.client_b.partner_id)
        cls.user_debtor = cls._create_portal_user("debtor_b1", cls.buyer_b1)
        cls.user_internal_b = new_test_user(
            cls.env,
            login="internal_b",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.client_b.id,
            company_ids=[Command.set(cls.client_b.ids)],
        )

    # -------------------------------------------------------------------------
    # HELPERS
    # -------------------------------------------------------------------------

    @classmethod
    def _create_portal_user(cls, login, company_partner):
        contact = cls.env["res.partner"].create(
            {
                "name": f"Contact {login}",
                "parent_id": company_partner.id,
                "email": f"{login}@example.com",
            }
        )
        return new_test_user(
            cls.env,
            login=login,
            name=contact.name,
            groups="base.group_portal",
            partner_id=contact.id,
        )

    @classmethod
    def _post_client_invoice(
        cls, company, amount, invoice_date, due_date, move_type="out_invoice"
    ):
        """A posted invoice of ``company`` to B1: ``amount`` excl. VAT at
        20 %, due on ``due_date``."""
        invoice = cls._create_client_invoice(
            company,
            cls.buyer_b1,
            [("Prestation", 1, amount, 20.0)],
            invoice_date,
            move_type=move_type,
        )
        invoice.invoice_date_due = due_date
        invoice.action_post()
        return invoice
