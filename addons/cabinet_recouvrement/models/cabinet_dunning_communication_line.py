from odoo import api, fields, models
from odoo.exceptions import UserError


class CabinetDunningCommunicationLine(models.Model):
    """One instalment in a communication, with its amounts at that time."""

    _name = "cabinet.dunning.communication.line"
    _description = "Dunning communication line"
    _order = "communication_id, date_maturity, id"

    communication_id = fields.Many2one(
        comodel_name="cabinet.dunning.communication",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="communication_id.company_id", store=True, index=True
    )
    state = fields.Selection(related="communication_id.state")
    move_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Instalment",
        required=True,
        index=True,
        ondelete="restrict",
    )
    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        required=True,
        index=True,
        ondelete="restrict",
    )
    level_id = fields.Many2one(
        comodel_name="cabinet.dunning.level",
        required=True,
        ondelete="restrict",
    )
    repeat_index = fields.Integer(
        help="0 for the first reminder at the level, then 1, 2... for repeats."
    )
    advanced = fields.Boolean(
        help="The instalment reached this level today; otherwise it is only "
        "listed as still due.",
    )
    date_maturity = fields.Date(string="Due Date")
    days_overdue = fields.Integer()
    currency_id = fields.Many2one(related="communication_id.currency_id")
    amount_total = fields.Monetary(string="Invoice Total", currency_field="currency_id")
    amount_residual = fields.Monetary(string="Amount Due", currency_field="currency_id")
    amount_interest = fields.Monetary(
        string="Late Interest", currency_field="currency_id"
    )
    amount_indemnity = fields.Monetary(
        string="Recovery Indemnity", currency_field="currency_id"
    )
    cabinet_key = fields.Char(
        string="Idempotency Key",
        copy=False,
        help="Instalment, level and repeat: never the same reminder twice.",
    )

    _cabinet_key_unique = models.Constraint(
        "UNIQUE(cabinet_key)",
        "This instalment already got this reminder.",
    )

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    def write(self, vals):
        # EXTENDS base: lines of a sent communication are part of the proof.
        if any(line.communication_id.state == "sent" for line in self):
            raise UserError(self.env._("A sent reminder cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if any(
            line.communication_id.state not in ("draft", "to_validate") for line in self
        ):
            raise UserError(self.env._("The lines of a sent reminder stay."))
