from datetime import timedelta

from odoo import Command
from odoo.tests import new_test_user

from .mandate_common import CollectionMandateCommon


class CabinetDashboardCommon(CollectionMandateCommon):
    """Client companies CA (under a collection mandate) and CB (simple
    dunning), with dates relative to the database's ``CURRENT_DATE``: the
    dashboards are SQL views aged at that date, so time is not frozen."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.cr.execute("SELECT CURRENT_DATE")
        cls.today = cls.env.cr.fetchone()[0]
        cls.letter_a = cls._create_mission_letter(cls.client_a, "collection")
        cls.letter_b = cls._create_mission_letter(cls.client_b, "dunning")
        cls.all_companies = cls.firm | cls.client_a | cls.client_b
        cls.Aging = cls.env["cabinet.aging.report"].with_context(
            allowed_company_ids=cls.all_companies.ids
        )
        cls.Portfolio = cls.env["cabinet.portfolio.report"].with_context(
            allowed_company_ids=cls.all_companies.ids
        )

    # -------------------------------------------------------------------------
    # HELPERS
    # -------------------------------------------------------------------------

    @classmethod
    def _days(cls, days):
        """Today plus ``days`` (negative: in the past)."""
        return cls.today + timedelta(days=days)

    @classmethod
    def _post_due_invoice(
        cls, company, partner, amount, due_in, invoiced_in=None, refund=False
    ):
        """A posted invoice (or credit note) of ``amount`` excluding VAT at
        20 %, due ``due_in`` days from today and dated ``invoiced_in`` days
        from today (30 days before the due date, never after today, unless
        told)."""
        if invoiced_in is None:
            invoiced_in = min(due_in - 30, 0)
        move = cls._create_client_invoice(
            company,
            partner,
            [("Prestation", 1, amount, 20.0)],
            cls._days(invoiced_in),
            move_type="out_refund" if refund else "out_invoice",
        )
        move.invoice_date_due = cls._days(due_in)
        move.action_post()
        return move

    @classmethod
    def _create_collaborator(cls, login, companies):
        return new_test_user(
            cls.env,
            login=login,
            groups="base.group_user,"
            "cabinet_fullservice.cabinet_fullservice_group_collaborator",
            company_id=cls.firm.id,
            company_ids=[Command.set(companies.ids)],
        )

    @classmethod
    def _create_client_company(cls, number):
        """A further client company of the firm, without chart of accounts
        (its dashboard row is all zeros), with an invented SIRET whose Luhn
        keys are valid; the current user may work on it."""
        siren = cls._luhn_complete(f"8{number:07d}")
        company = cls.env["res.company"].create(
            cls._company_identity_vals(
                f"Client Tableau {number} SARL",
                cls._luhn_complete(siren + "0001"),
                False,
                street=f"{number} rue du Tableau",
                zip_code="69002",
                city="Lyon",
            )
        )
        cls.env.user.company_ids |= company
        return cls._set_client_company(company)

    @staticmethod
    def _luhn_complete(digits):
        """``digits`` followed by their Luhn key."""
        total = 0
        for index, char in enumerate(reversed(digits)):
            value = int(char) * (1 if index % 2 else 2)
            total += value - 9 if value > 9 else value
        return digits + str((10 - total % 10) % 10)

    def _count_queries(self, function):
        """Number of SQL queries of ``function`` on a cold cache, once the
        pending writes are flushed (by a first, uncounted call)."""
        function()
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        function()
        return self.env.cr.sql_log_count - start
