from datetime import timedelta

from odoo import Command, fields

from odoo.addons.cabinet_fullservice.tests.common import CabinetTestCommon


class CabinetDunningCommon(CabinetTestCommon):
    """Client company CA with the POL-FR reference policy and a signed
    simple-dunning mission letter; debtor B1."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Invoices of client companies are issued under a billing mandate.
        cls._create_billing_mandate(cls.client_a, scope_refund=True)
        cls._create_billing_mandate(cls.client_b, scope_refund=True)
        cls.policy = cls._create_pol_fr_policy(cls.client_a)
        cls.level_1, cls.level_2, cls.level_3, cls.level_4 = (
            cls.policy._cabinet_get_levels()
        )
        cls.client_a.cabinet_dunning_policy_id = cls.policy
        cls.letter = cls._create_mission_letter(cls.client_a, "dunning")
        cls.Run = cls.env["cabinet.dunning.run"]
        cls.Communication = cls.env["cabinet.dunning.communication"]

    # -------------------------------------------------------------------------
    # HELPERS
    # -------------------------------------------------------------------------

    @classmethod
    def _create_pol_fr_policy(cls, company):
        """POL-FR (reported cases): L1 D+3 e-mail; L2 D+10 e-mail repeated
        every 7 days twice; L3 formal notice D+25 e-mail and letter; L4
        hand-over D+45 with a letter."""
        template = cls.env.ref("cabinet_recouvrement.mail_template_dunning")
        level = {"channel_email": True, "mail_template_id": template.id}
        return cls.env["cabinet.dunning.policy"].create(
            {
                "name": "POL-FR",
                "company_id": company.id,
                "level_ids": [
                    Command.create({**level, "sequence": 1, "name": "L1", "delay": 3}),
                    Command.create(
                        {
                            **level,
                            "sequence": 2,
                            "name": "L2",
                            "delay": 10,
                            "repeat_interval": 7,
                            "max_repeats": 2,
                        }
                    ),
                    Command.create(
                        {
                            **level,
                            "sequence": 3,
                            "name": "L3",
                            "delay": 25,
                            "tone": "formal_notice",
                            "channel_letter": True,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 4,
                            "name": "L4",
                            "delay": 45,
                            "tone": "formal_notice",
                            "channel_email": False,
                            "channel_letter": True,
                            "handover": True,
                        }
                    ),
                ],
            }
        )

    @classmethod
    def _create_mission_letter(cls, company, mission_type):
        letter = cls.env["cabinet.mission.letter"].create(
            {
                "company_id": company.id,
                "mission_type": mission_type,
                "date_start": "2026-01-01",
            }
        )
        letter.action_sign()
        return letter

    @classmethod
    def _create_due_invoice(
        cls, company, partner, amount, due, move_type="out_invoice", post=True
    ):
        """A posted invoice of ``company`` without tax: residual = ``amount``,
        due on ``due`` (date or string)."""
        due = fields.Date.to_date(due)
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "invoice_date": due - timedelta(days=30),
                    "invoice_date_due": due,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Prestation",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _pay(cls, move, amount=None, date="2026-10-20"):
        """Register a payment of ``amount`` (the residual by default)."""
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"payment_date": date, "amount": amount or move.amount_residual})
            ._create_payments()
        )

    def _run(self, date="2026-10-20", company=None, dry_run=False):
        return self.Run._cabinet_run_company(
            company or self.client_a, fields.Date.to_date(date), dry_run=dry_run
        )

    def _communications(self, partner=None):
        return self.Communication.search(
            [("partner_id", "=", (partner or self.buyer_b1).id)], order="id"
        )

    def _receivable(self, move):
        return move.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
