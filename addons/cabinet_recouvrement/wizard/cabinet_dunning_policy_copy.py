from odoo import fields, models


class CabinetDunningPolicyCopy(models.TransientModel):
    _name = "cabinet.dunning.policy.copy"
    _description = "Copy a dunning policy to a client company"

    policy_id = fields.Many2one(comodel_name="cabinet.dunning.policy", required=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Client Company",
        required=True,
        domain="[('cabinet_is_client', '=', True)]",
    )
    set_default = fields.Boolean(string="Use as the company's policy", default=True)

    def action_copy(self):
        """Copy the policy and open the copy."""
        self.ensure_one()
        policy = self.policy_id._cabinet_copy_to_company(
            self.company_id, set_default=self.set_default
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "cabinet.dunning.policy",
            "res_id": policy.id,
            "view_mode": "form",
        }
