from odoo.addons.cabinet_fullservice.tests.common import CabinetTestCommon


class CollectionMandateCommon(CabinetTestCommon):
    """Client companies CA and CB of the firm, with a bank account each and
    outstanding-receipts accounts so that payments reconcile with invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_billing_mandate(cls.client_a, scope_refund=True)
        cls._create_billing_mandate(cls.client_b, scope_refund=True)
        for company in (cls.client_a, cls.client_b):
            cls._set_outstanding_account(company)
        cls.bank_a = cls.env["res.partner.bank"].create(
            {
                "partner_id": cls.client_a.partner_id.id,
                "acc_number": "FR7630006000011234567890189",
                "allow_out_payment": True,
            }
        )
        cls.env["res.partner.bank"].create(
            {
                "partner_id": cls.firm.partner_id.id,
                "acc_number": "FR7610107001011234567890129",
                "allow_out_payment": True,
            }
        )

    # -------------------------------------------------------------------------
    # HELPERS
    # -------------------------------------------------------------------------

    @classmethod
    def _set_outstanding_account(cls, company):
        account = (
            cls.env["account.chart.template"]
            .with_company(company)
            .ref("account_journal_payment_debit_account_id")
        )
        bank_journal = cls.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
        )
        bank_journal.inbound_payment_method_line_ids[:1].payment_account_id = account

    @classmethod
    def _create_mission_letter(cls, company, mission_type, sign=True, **vals):
        """A mission letter of ``company``, signed unless told, from
        2026-01-01; collection letters get 50.00 a month and 10 %."""
        if mission_type == "collection":
            vals = {"fixed_fee": 50.0, "success_fee_rate": 10.0, **vals}
        letter = cls.env["cabinet.mission.letter"].create(
            {
                "company_id": company.id,
                "mission_type": mission_type,
                "date_start": "2026-01-01",
                **vals,
            }
        )
        if sign:
            letter.action_sign()
        return letter

    @classmethod
    def _post_invoice(cls, company, partner, amount, invoice_date="2026-09-01"):
        """A posted invoice of ``amount`` excluding VAT, at 20 %."""
        invoice = cls._create_client_invoice(
            company, partner, [("Prestation", 1, amount, 20.0)], invoice_date
        )
        invoice.action_post()
        return invoice

    def _pay(self, invoice, amount, date, user=None):
        """Register a payment of ``amount`` received on ``date``."""
        wizard = (
            self.env["account.payment.register"]
            .with_user(user or self.env.user)
            .with_company(invoice.company_id)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": date})
        )
        return wizard._create_payments()

    def _hand_over(self, moves, user=None):
        """Hand ``moves`` over as ``user`` working on their companies."""
        Model = self.env["cabinet.collection.file"].with_user(user or self.env.user)
        return Model.with_context(
            allowed_company_ids=(self.firm | moves.sudo().company_id).ids
        )._cabinet_hand_over(moves)
