from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    cabinet_dunning_policy_id = fields.Many2one(
        comodel_name="cabinet.dunning.policy",
        string="Dunning Policy",
        domain="[('company_id', '=', id)]",
    )
    cabinet_collector_id = fields.Many2one(
        comodel_name="res.users",
        string="Collector",
        domain="[('share', '=', False)]",
        help="Collaborator calling the debtors and validating letters.",
    )
    cabinet_dunning_first_contact = fields.Selection(
        selection=[
            ("first_level", "First contact starts at the first level"),
            ("highest_level", "Apply the highest level reached"),
        ],
        string="First Reminder",
        required=True,
        default="first_level",
        help="For instalments never reminded. With the highest level, a "
        "hand-over to collection is only proposed and needs a confirmation.",
    )

    cabinet_late_interest_rate = fields.Float(
        string="Contract Late-Interest Rate (%)",
        digits=(16, 4),
        help="Late-payment interest rate stated in the company's terms of sale. "
        "0 = the statutory rate (ECB rate + 10 points, at least three times "
        "the legal rate). A debtor can carry its own rate.",
    )
    cabinet_late_interest_warning = fields.Char(
        string="Late-Interest Rate Warning",
        compute="_compute_cabinet_late_interest_warning",
    )

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    @api.depends("cabinet_late_interest_rate")
    def _compute_cabinet_late_interest_warning(self):
        Rate = self.env["cabinet.penalty.rate"]
        for company in self:
            company.cabinet_late_interest_warning = Rate._get_contract_rate_warning(
                company.cabinet_late_interest_rate
            )
