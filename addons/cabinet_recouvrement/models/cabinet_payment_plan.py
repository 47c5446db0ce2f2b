from odoo import api, fields, models


class CabinetPaymentPlan(models.Model):
    """Instalments agreed with the debtor for some invoices.

    While the plan is kept (every instalment due so far paid), reminders on
    its invoices stop; a plan the debtor does not keep is broken by the run
    and reminders resume.
    """

    _name = "cabinet.payment.plan"
    _description = "Payment plan"
    _inherit = ("cabinet.debtor.mixin",)
    _order = "date_start desc, id desc"

    name = fields.Char(required=True, default=lambda self: self.env._("New plan"))
    move_ids = fields.Many2many(required=True)
    date_start = fields.Date(required=True, default=fields.Date.context_today)
    line_ids = fields.One2many(
        comodel_name="cabinet.payment.plan.line",
        inverse_name="plan_id",
        string="Instalments",
        copy=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_planned = fields.Monetary(
        compute="_compute_amount_planned", currency_field="currency_id"
    )
    amount_covered = fields.Monetary(
        currency_field="currency_id",
        help="Residual of the invoices when the plan was agreed.",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("active", "Active"),
            ("done", "Done"),
            ("broken", "Broken"),
        ],
        required=True,
        default="draft",
        tracking=True,
    )

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    @api.depends("line_ids.amount")
    def _compute_amount_planned(self):
        for plan in self:
            plan.amount_planned = sum(plan.line_ids.mapped("amount"))

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_activate(self):
        """Agree the plan: reminders on its invoices stop while it is kept."""
        for plan in self:
            plan.write(
                {
                    "state": "active",
                    "amount_covered": sum(plan.move_ids.mapped("amount_residual")),
                }
            )

    def action_break(self):
        """The debtor does not keep the plan: reminders resume."""
        self.state = "broken"

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_is_kept(self, date):
        """Whether the debtor paid at least every instalment due before ``date``.

        Paid = residual of the invoices when agreed minus residual today.
        """
        self.ensure_one()
        paid = self.amount_covered - sum(self.move_ids.mapped("amount_residual"))
        due = sum(
            self.line_ids.filtered(lambda line: line.date < date).mapped("amount")
        )
        return self.currency_id.compare_amounts(paid, due) >= 0

    def _cabinet_get_state_on(self, date):
        """State of the plan on ``date``: done when paid, broken when not
        kept, else unchanged."""
        self.ensure_one()
        if self.state != "active":
            return self.state
        residuals = self.move_ids.mapped("amount_residual")
        if all(self.currency_id.is_zero(residual) for residual in residuals):
            return "done"
        return "active" if self._cabinet_is_kept(date) else "broken"

    def _cabinet_update_state(self, date):
        """Mark active plans done or broken on ``date``."""
        for plan in self:
            state = plan._cabinet_get_state_on(date)
            if state != plan.state:
                plan.state = state
