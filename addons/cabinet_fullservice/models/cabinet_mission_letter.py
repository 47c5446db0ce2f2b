from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# Commercial bounds of the success fee of an amicable collection mission, in
# percent of the sums recovered (DOMAIN §10 "Fees", engagement letter).
SUCCESS_FEE_MIN = 2.0
SUCCESS_FEE_MAX = 20.0


class CabinetMissionLetter(models.Model):
    _name = "cabinet.mission.letter"
    _description = "Mission letter"
    _inherit = "cabinet.client.document.mixin"

    firm_id = fields.Many2one(
        help="The accounting firm performing the mission.",
    )
    mission_type = fields.Selection(
        selection=[
            ("invoicing", "Invoicing assistance"),
            ("monitoring", "Receivables monitoring"),
            ("dunning", "Simple dunning"),
            ("collection", "Amicable collection mandate"),
        ],
        required=True,
        default="invoicing",
        tracking=True,
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        required=True,
        default=lambda self: (
            self.env.ref("base.EUR", raise_if_not_found=False)
            or self.env.company.currency_id
        ),
    )
    fixed_fee = fields.Monetary(
        string="Monthly Fixed Fee",
        currency_field="currency_id",
        tracking=True,
        help="Base fee of the mission, excluding VAT, per month.",
    )
    success_fee_rate = fields.Float(
        string="Success Fee (%)",
        digits=(5, 2),
        tracking=True,
        help="Percentage of the sums recovered, billed to the client and never "
        "to the debtor. Only on top of a fixed fee.",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        tracking=True,
    )
    state = fields.Selection(
        selection=[("draft", "Draft"), ("signed", "Signed"), ("closed", "Closed")],
        string="Status",
        required=True,
        default="draft",
        copy=False,
        tracking=True,
    )

    _date_range = models.Constraint(
        "CHECK(date_end IS NULL OR date_end >= date_start)",
        "The end date of a mission letter cannot precede its start date.",
    )
    _success_fee_positive = models.Constraint(
        "CHECK(success_fee_rate >= 0)",
        "The success fee cannot be negative.",
    )

    # -------------------------------------------------------------------------
    # Constraints
    # -------------------------------------------------------------------------

    @api.constrains("mission_type", "success_fee_rate", "fixed_fee")
    def _check_success_fee(self):
        """Success fees come only on top of a base fee (ord. 45-2138 art. 24,
        never the sole pay) and, for collection, within 2-20 % of the sums
        recovered.
        """
        for letter in self.filtered("success_fee_rate"):
            if letter.currency_id.is_zero(letter.fixed_fee):
                raise ValidationError(
                    self.env._(
                        "Mission letter %(name)s: a success fee is only allowed "
                        "on top of a fixed fee. Set the monthly fixed fee.",
                        name=letter.name,
                    )
                )
            if letter.mission_type == "collection" and not (
                SUCCESS_FEE_MIN <= letter.success_fee_rate <= SUCCESS_FEE_MAX
            ):
                raise ValidationError(
                    self.env._(
                        "Mission letter %(name)s: the success fee of a "
                        "collection mission must be between %(min)s %% and "
                        "%(max)s %% of the sums recovered.",
                        name=letter.name,
                        min=SUCCESS_FEE_MIN,
                        max=SUCCESS_FEE_MAX,
                    )
                )

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_sign(self):
        """Record that the client signed the letter: the mission starts."""
        if any(letter.state != "draft" for letter in self):
            raise UserError(self.env._("Only draft mission letters can be signed."))
        self.state = "signed"

    def action_close(self):
        """End the mission, e.g. at the end date or on termination."""
        if any(letter.state != "signed" for letter in self):
            raise UserError(self.env._("Only signed mission letters can be closed."))
        self.state = "closed"

    def action_reset(self):
        """Put the letters back to draft, to amend them before signature."""
        self.state = "draft"

    def action_print(self):
        """Print the letter to have it signed by the client."""
        return self.env.ref(
            "cabinet_fullservice.cabinet_mission_letter_report"
        ).report_action(self)

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _get_letter_address(self, company):
        """The address of a party on one line, for the letter."""
        address = company.partner_id._display_address(without_company=True)
        return ", ".join(line for line in address.splitlines() if line.strip())

    def _get_billing_mandate(self):
        """The latest billing mandate based on this letter, for the report."""
        self.ensure_one()
        return self.env["cabinet.billing.mandate"].search(
            [("mission_letter_id", "=", self.id)],
            order="signature_date desc, id desc",
            limit=1,
        )
