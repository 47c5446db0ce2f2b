from odoo import api, fields, models


class CabinetPaymentPromise(models.Model):
    """The debtor promised to pay by a date: reminders wait until then.

    A promise still open after its date with the invoices unpaid is broken
    by the next run, and reminders resume.
    """

    _name = "cabinet.payment.promise"
    _description = "Promise to pay"
    _inherit = ("cabinet.debtor.mixin", "mail.activity.mixin")
    _order = "date desc, id desc"

    move_ids = fields.Many2many(
        help="Leave empty when the promise covers the whole debt."
    )
    date = fields.Date(string="Promised Date", required=True, tracking=True)
    amount = fields.Monetary(currency_field="currency_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        selection=[("open", "Open"), ("kept", "Kept"), ("broken", "Broken")],
        required=True,
        default="open",
        tracking=True,
    )
    note = fields.Text()

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # EXTENDS mail.thread: the promise falls due in the collector's
        # worklist on its date.
        promises = super().create(vals_list)
        for promise in promises:
            promise.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=promise.date,
                summary=self.env._(
                    "Check the payment promised by %(debtor)s",
                    debtor=promise.partner_id.display_name,
                ),
                user_id=promise._cabinet_get_collector().id,
            )
        return promises

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_mark_kept(self):
        """The debtor paid as promised."""
        self.state = "kept"

    def action_mark_broken(self):
        """The debtor did not pay: reminders resume."""
        self.state = "broken"

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_is_paid(self):
        """Whether every invoice of the promise is paid."""
        self.ensure_one()
        moves = self.move_ids
        return bool(moves) and all(
            move.currency_id.is_zero(move.amount_residual) for move in moves
        )

    def _cabinet_get_state_on(self, date):
        """State of the promise on ``date``: kept when paid, broken once its
        date is past with invoices unpaid, else unchanged."""
        self.ensure_one()
        if self.state != "open":
            return self.state
        if self._cabinet_is_paid():
            return "kept"
        return "broken" if self.date < date else "open"

    def _cabinet_update_state(self, date):
        """Mark open promises kept or broken on ``date``."""
        for promise in self:
            state = promise._cabinet_get_state_on(date)
            if state != promise.state:
                promise.state = state
