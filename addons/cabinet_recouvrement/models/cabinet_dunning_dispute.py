from odoo import fields, models


class CabinetDunningDispute(models.Model):
    """A disagreement of the debtor on invoices: reminders stop until solved.

    Without invoices, the dispute stops every reminder to the debtor.
    """

    _name = "cabinet.dunning.dispute"
    _description = "Dunning dispute"
    _inherit = ("cabinet.debtor.mixin",)
    _order = "date desc, id desc"

    name = fields.Char(string="Subject", required=True)
    move_ids = fields.Many2many(
        domain="[('partner_id', 'child_of', partner_id), "
        "('move_type', 'in', ('out_invoice', 'out_refund'))]",
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    state = fields.Selection(
        selection=[("open", "Open"), ("solved", "Solved")],
        required=True,
        default="open",
        tracking=True,
    )
    description = fields.Html()

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_solve(self):
        """Close the dispute: reminders resume at the next run."""
        self.state = "solved"

    def action_reopen(self):
        """Reopen the dispute: reminders stop again."""
        self.state = "open"
