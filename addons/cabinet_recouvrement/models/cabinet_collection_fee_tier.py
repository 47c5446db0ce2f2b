from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.cabinet_fullservice.models.cabinet_mission_letter import (
    SUCCESS_FEE_MAX,
    SUCCESS_FEE_MIN,
)


class CabinetCollectionFeeTier(models.Model):
    """A success-fee rate applying to the part of a month's recoveries above
    an amount, under a collection mission letter. Below the first tier, the
    letter's own rate applies."""

    _name = "cabinet.collection.fee.tier"
    _description = "Collection success fee tier"
    _order = "mission_letter_id, amount_from"

    mission_letter_id = fields.Many2one(
        comodel_name="cabinet.mission.letter",
        required=True,
        index=True,
        ondelete="cascade",
        domain="[('mission_type', '=', 'collection')]",
    )
    company_id = fields.Many2one(
        related="mission_letter_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="mission_letter_id.currency_id")
    amount_from = fields.Monetary(
        string="Recovered Above",
        currency_field="currency_id",
        required=True,
        help="The rate applies to the part of the month's recoveries above "
        "this amount.",
    )
    rate = fields.Float(string="Rate (%)", digits=(5, 2), required=True)

    _letter_amount_unique = models.Constraint(
        "UNIQUE(mission_letter_id, amount_from)",
        "A mission letter has one tier per amount.",
    )

    # -------------------------------------------------------------------------
    # Constraints
    # -------------------------------------------------------------------------

    @api.constrains("rate", "amount_from")
    def _check_rate(self):
        # Same commercial bounds as the letter's own success fee (DOMAIN §10).
        for tier in self:
            if not SUCCESS_FEE_MIN <= tier.rate <= SUCCESS_FEE_MAX:
                raise ValidationError(
                    self.env._(
                        "The rate of a success fee tier must be between "
                        "%(min)s %% and %(max)s %%.",
                        min=SUCCESS_FEE_MIN,
                        max=SUCCESS_FEE_MAX,
                    )
                )
            if tier.amount_from < 0:
                raise ValidationError(
                    self.env._("The amount of a success fee tier cannot be negative.")
                )
