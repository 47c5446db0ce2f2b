from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Agreed between one client company and this debtor: hence per company.
    cabinet_late_interest_rate = fields.Float(
        string="Contract Late-Interest Rate (%)",
        digits=(16, 4),
        company_dependent=True,
        help="Late-payment interest rate agreed with this debtor, replacing the "
        "company's. 0 = the company's rate.",
    )
    cabinet_late_interest_warning = fields.Char(
        string="Late-Interest Rate Warning",
        compute="_compute_cabinet_late_interest_warning",
    )

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    @api.depends("cabinet_late_interest_rate")
    @api.depends_context("company")
    def _compute_cabinet_late_interest_warning(self):
        Rate = self.env["cabinet.penalty.rate"]
        for partner in self:
            partner.cabinet_late_interest_warning = Rate._get_contract_rate_warning(
                partner.cabinet_late_interest_rate
            )
