from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    cabinet_dunning_blocked = fields.Boolean(
        string="Dunning Blocked",
        copy=False,
        tracking=True,
        help="No reminder for this invoice until unblocked.",
    )
    cabinet_dunning_excluded = fields.Boolean(
        string="Excluded from Dunning",
        copy=False,
        tracking=True,
        help="This invoice is never reminded (e.g. collected another way).",
    )
    cabinet_dunning_line_ids = fields.One2many(
        comodel_name="cabinet.dunning.communication.line",
        inverse_name="move_id",
        string="Reminders",
    )
