from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user

from .common import CabinetDunningCommon

COLLECTOR_GROUPS = (
    "base.group_user,cabinet_fullservice.cabinet_fullservice_group_collaborator"
)


class CabinetDebtorPortalCommon(CabinetDunningCommon):
    """Two debtors with a portal account: Paul Achat, contact of B1, who
    owes an invoice to CA, and Berthe Vente, contact of B2, who owes one to
    CB. RC-23: a draft invoice of CA made for B1 (followed by Paul, token
    sent), moved to B2 before posting. Dates are relative to today: the HTTP
    tests run against a live server, whose clock is not frozen.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.today()
        cls.collector = new_test_user(
            cls.env,
            login="debtor.portal.collector",
            groups=COLLECTOR_GROUPS,
            company_id=cls.firm.id,
            company_ids=[Command.set((cls.firm | cls.client_a | cls.client_b).ids)],
        )
        (cls.client_a | cls.client_b).cabinet_collector_id = cls.collector
        # Portal users belong to the client companies that invited them: B1
        # buys from CA, B2 from CA and CB.
        cls.debtor_a = cls._create_debtor_user(
            "paul.achat", "Paul Achat", cls.buyer_b1, cls.client_a
        )
        cls.debtor_b = cls._create_debtor_user(
            "berthe.vente", "Berthe Vente", cls.buyer_b2, cls.client_b | cls.client_a
        )
        cls.invoice_a = cls._create_due_invoice(
            cls.client_a, cls.buyer_b1, 400.0, cls.today - timedelta(days=20)
        )
        cls.invoice_b = cls._create_due_invoice(
            cls.client_b, cls.buyer_b2, 90.0, cls.today - timedelta(days=5)
        )
        cls.invoice_moved, cls.former_token = cls._create_moved_invoice()

    # -------------------------------------------------------------------------
    # HELPERS
    # -------------------------------------------------------------------------

    @classmethod
    def _create_debtor_user(cls, login, name, parent, companies):
        user = new_test_user(
            cls.env,
            login=login,
            name=name,
            email=f"{login}@example.com",
            groups="base.group_portal",
            company_id=companies[0].id,
            company_ids=[Command.set(companies.ids)],
        )
        user.partner_id.parent_id = parent
        return user

    @classmethod
    def _create_moved_invoice(cls):
        """RC-23: made for B1, who follows it and got its link, then
        reassigned to B2 and posted.

        :return: (the invoice, the token B1 was given)
        """
        invoice = cls._create_due_invoice(
            cls.client_a,
            cls.buyer_b1,
            250.0,
            cls.today - timedelta(days=10),
            post=False,
        )
        invoice.message_subscribe((cls.buyer_b1 | cls.debtor_a.partner_id).ids)
        token = invoice._portal_ensure_token()
        invoice.partner_id = cls.buyer_b2
        invoice.action_post()
        return invoice, token

    @classmethod
    def _remind(cls, company, partner):
        """Run the reminders of ``company`` today; the one sent to ``partner``."""
        cls.env["cabinet.dunning.run"]._cabinet_run_company(company, cls.today)
        return cls.env["cabinet.dunning.communication"].search(
            [("company_id", "=", company.id), ("partner_id", "=", partner.id)]
        )
