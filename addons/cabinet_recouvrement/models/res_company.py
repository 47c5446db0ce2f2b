from odoo import fields, models


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
