from decimal import Decimal

from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # Per-instalment state: what was actually sent, never what was computed.
    cabinet_dunning_level_id = fields.Many2one(
        comodel_name="cabinet.dunning.level",
        string="Dunning Level",
        copy=False,
        index="btree_not_null",
        readonly=True,
    )
    cabinet_dunning_repeat_count = fields.Integer(
        string="Repeats at Level",
        copy=False,
        readonly=True,
    )
    cabinet_dunning_last_date = fields.Date(
        string="Last Reminder",
        copy=False,
        readonly=True,
    )
    cabinet_dunning_line_ids = fields.One2many(
        comodel_name="cabinet.dunning.communication.line",
        inverse_name="move_line_id",
        string="Reminder History",
    )

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_get_penalty_payments(self):
        """(date, amount in the move currency) settled on this receivable line.

        Payments and credit notes alike; the date is the later of the two
        entries, so an advance paid before the invoice counts from its date.
        """
        self.ensure_one()
        return [
            (partial.max_date, Decimal(str(partial.debit_amount_currency)))
            for partial in self.matched_credit_ids
            if partial.debit_amount_currency
        ]
