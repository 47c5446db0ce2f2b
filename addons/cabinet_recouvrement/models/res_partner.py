from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    cabinet_dunning_paused = fields.Boolean(
        string="Dunning Paused",
        company_dependent=True,
        help="No reminder to this debtor in the current client company.",
    )
    cabinet_collector_id = fields.Many2one(
        comodel_name="res.users",
        string="Collector",
        company_dependent=True,
        domain="[('share', '=', False)]",
        help="Overrides the collector of the client company for this debtor.",
    )
    cabinet_dunning_policy_id = fields.Many2one(
        comodel_name="cabinet.dunning.policy",
        string="Dunning Policy",
        company_dependent=True,
        help="Overrides the policy of the client company for this debtor.",
    )
    cabinet_dunning_communication_ids = fields.One2many(
        comodel_name="cabinet.dunning.communication",
        inverse_name="partner_id",
        string="Reminders",
    )
    cabinet_dunning_communication_count = fields.Integer(
        compute="_compute_cabinet_dunning_communication_count"
    )

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    def _compute_cabinet_dunning_communication_count(self):
        counts = dict(
            self.env["cabinet.dunning.communication"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.cabinet_dunning_communication_count = counts.get(partner, 0)

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_open_cabinet_dunning_communications(self):
        """Open the reminders sent to this debtor."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cabinet_recouvrement.cabinet_dunning_communication_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        return action
