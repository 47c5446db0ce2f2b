from odoo import fields, models


class CabinetContestWizard(models.TransientModel):
    _name = "cabinet.contest.wizard"
    _description = "Contest an invoice issued under mandate"

    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    contest_deadline = fields.Date(related="move_id.cabinet_contest_deadline")
    reason = fields.Text(
        required=True,
        help="What the client disputes in the invoice issued in its name.",
    )

    def action_confirm(self):
        """Flag the invoice as contested by the client."""
        self.ensure_one()
        self.move_id.action_cabinet_contest(self.reason)
        return {"type": "ir.actions.act_window_close"}
