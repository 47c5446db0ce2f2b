import logging

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import formatLang

_logger = logging.getLogger(__name__)

# Income accounts of the French chart (PCG) for the penalty invoice: interest
# earned on trade receivables, and the recovery indemnity as other receivable
# income. Overridable through _get_penalty_account().
PENALTY_ACCOUNT_XMLIDS = {
    "interest": "pcg_7631",
    "indemnity": "pcg_7638",
}


class CabinetPenaltyClaim(models.Model):
    """Late-payment penalties claimed from a debtor for one invoice.

    Opened when a reminder or formal notice first states the penalties. While
    the principal is unpaid, the interest is recomputed up to the day of the
    refresh; once the principal is paid it stays at its value on the payment
    date, and the claim stays open until it is paid or a user waives it
    (RC-30): paying the invoice never silently drops the penalties.
    """

    _name = "cabinet.penalty.claim"
    _description = "Late-Payment Penalty Claim"
    _inherit = "mail.thread"
    _order = "claim_date desc, id desc"
    _check_company_auto = True

    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
    )
    company_id = fields.Many2one(
        related="move_id.company_id", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(
        related="move_id.commercial_partner_id",
        string="Debtor",
        store=True,
        index=True,
        precompute=True,
    )
    currency_id = fields.Many2one(related="move_id.currency_id")
    claim_date = fields.Date(
        string="Claimed On",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Date the penalties were first claimed from the debtor.",
    )
    computed_date = fields.Date(
        string="Computed Up To",
        readonly=True,
        help="Day the amounts were last computed for.",
    )
    principal_residual = fields.Monetary(
        related="move_id.amount_residual", string="Principal Due"
    )
    interest_amount = fields.Monetary(
        string="Late Interest", readonly=True, tracking=True
    )
    indemnity_amount = fields.Monetary(
        string="Recovery Indemnity", readonly=True, tracking=True
    )
    total_amount = fields.Monetary(
        string="Total Claimed", compute="_compute_total_amount", store=True
    )
    rate = fields.Float(string="Rate (%)", digits=(16, 4), readonly=True)
    rate_warning = fields.Char(readonly=True)
    invoice_id = fields.Many2one(
        comodel_name="account.move",
        string="Penalty Invoice",
        readonly=True,
        copy=False,
        check_company=True,
    )
    paid_date = fields.Date(readonly=True, copy=False)
    waived_date = fields.Date(readonly=True, copy=False)
    waived_by_id = fields.Many2one(comodel_name="res.users", readonly=True, copy=False)
    waive_reason = fields.Text(
        string="Reason for Waiving",
        copy=False,
        help="Required to waive the claim; logged in the chatter.",
    )
    state = fields.Selection(
        selection=[("open", "Open"), ("paid", "Paid"), ("waived", "Waived")],
        compute="_compute_state",
        store=True,
        tracking=True,
    )

    _move_uniq = models.Constraint(
        "UNIQUE(move_id)",
        "An invoice has one penalty claim.",
    )

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    @api.depends("interest_amount", "indemnity_amount")
    def _compute_total_amount(self):
        for claim in self:
            claim.total_amount = claim.interest_amount + claim.indemnity_amount

    @api.depends("waived_date", "paid_date", "invoice_id.payment_state")
    def _compute_state(self):
        for claim in self:
            if claim.waived_date:
                claim.state = "waived"
            elif claim.paid_date or claim.invoice_id.payment_state in (
                "paid",
                "in_payment",
            ):
                claim.state = "paid"
            else:
                claim.state = "open"

    @api.depends("move_id.name")
    def _compute_display_name(self):
        for claim in self:
            claim.display_name = self.env._(
                "Penalties %(invoice)s", invoice=claim.move_id.name or ""
            )

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        claims = super().create(vals_list)
        claims._cabinet_refresh_amounts(self.env.context.get("cabinet_as_of_date"))
        return claims

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_refresh(self):
        """Recompute the open, not yet invoiced claims up to today."""
        self._cabinet_refresh_amounts()

    def action_waive(self):
        """Give up the claim; the reason and the user are logged."""
        for claim in self:
            if claim.state != "open":
                raise UserError(
                    self.env._("%(claim)s is not open.", claim=claim.display_name)
                )
            if not (claim.waive_reason or "").strip():
                raise UserError(
                    self.env._(
                        "Write the reason for waiving %(claim)s first.",
                        claim=claim.display_name,
                    )
                )
        self.write(
            {
                "waived_date": fields.Date.context_today(self),
                "waived_by_id": self.env.user.id,
            }
        )
        for claim in self:
            claim.message_post(
                body=self.env._(
                    "Penalties of %(amount)s waived by %(user)s: %(reason)s",
                    amount=claim._format_amount(claim.total_amount),
                    user=self.env.user.name,
                    reason=claim.waive_reason,
                )
            )

    def action_mark_paid(self):
        """Record that the debtor paid the penalties outside a penalty invoice."""
        self.filtered(lambda claim: claim.state == "open").write(
            {"paid_date": fields.Date.context_today(self)}
        )

    def action_invoice(self):
        """Invoice the open claims to their debtors: one draft invoice per
        company, debtor and currency, two lines without VAT.

        :return: action showing the invoices created
        """
        claims = self.filtered(lambda claim: claim.state == "open")
        claims = claims.filtered(lambda claim: not claim.invoice_id)
        if not claims:
            raise UserError(self.env._("No open claim left to invoice."))
        claims._cabinet_refresh_amounts()
        invoices = self.env["account.move"]
        groups = claims.grouped(
            lambda claim: (claim.company_id, claim.partner_id, claim.currency_id)
        )
        for group in groups.values():
            invoice = (
                self.env["account.move"]
                .with_company(group.company_id)
                .create(group._prepare_penalty_invoice_vals())
            )
            group.invoice_id = invoice
            invoices |= invoice
        _logger.info("Penalty claims invoiced: %s invoices", len(invoices))
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "name": self.env._("Penalty Invoices"),
            "view_mode": "list,form",
            "domain": [("id", "in", invoices.ids)],
        }

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_refresh_amounts(self, as_of_date=None):
        """Recompute the open claims not invoiced yet as of ``as_of_date``
        (today by default). After the principal is paid the computation stops
        at the payment date by itself, so refreshing never lowers a claim.
        """
        as_of_date = as_of_date or fields.Date.context_today(self)
        for claim in self.filtered(
            lambda claim: claim.state == "open" and not claim.invoice_id
        ):
            result = claim.move_id._cabinet_get_late_penalties(as_of_date)
            claim.write(
                {
                    "interest_amount": result["interest"],
                    "indemnity_amount": result["indemnity"],
                    "rate": result["rate"],
                    "rate_warning": result["warning"],
                    "computed_date": as_of_date,
                }
            )

    def _prepare_penalty_invoice_vals(self):
        """Values of the penalty invoice of claims of one company and debtor.

        Late interest and the recovery indemnity are damages, not the price of
        a supply: outside the scope of VAT, hence no tax on either line.
        """
        first = self[:1]
        references = ", ".join(self.move_id.mapped("name"))
        line_vals = []
        for kind, amount, label in (
            (
                "interest",
                sum(self.mapped("interest_amount")),
                self.env._(
                    "Late-payment interest (C. com. L441-10) on %(invoices)s",
                    invoices=references,
                ),
            ),
            (
                "indemnity",
                sum(self.mapped("indemnity_amount")),
                self.env._(
                    "Flat recovery indemnity (C. com. D441-5) on %(invoices)s",
                    invoices=references,
                ),
            ),
        ):
            if first.currency_id.is_zero(amount):
                continue
            line_vals.append(
                Command.create(
                    {
                        "name": label,
                        "quantity": 1.0,
                        "price_unit": amount,
                        "account_id": first._get_penalty_account(kind).id,
                        "tax_ids": [Command.clear()],
                    }
                )
            )
        return {
            "move_type": "out_invoice",
            "company_id": first.company_id.id,
            "partner_id": first.partner_id.id,
            "currency_id": first.currency_id.id,
            "invoice_origin": references,
            "invoice_line_ids": line_vals,
        }

    def _get_penalty_account(self, kind):
        """Income account for ``kind`` ('interest' or 'indemnity'): 7631 /
        7638 of the French chart when the company has it, else the income
        account of its sale journal.
        """
        company = self.company_id
        account = (
            self.env["account.chart.template"]
            .with_company(company)
            .ref(PENALTY_ACCOUNT_XMLIDS[kind], raise_if_not_found=False)
        )
        if account:
            return account
        journal = self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(company),
                ("type", "=", "sale"),
            ],
            limit=1,
        )
        return journal.default_account_id

    def _format_amount(self, amount):
        return formatLang(self.env, amount, currency_obj=self.currency_id)
