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
