from odoo import api, fields, models


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

    def _compute_cabinet_dunning_communication_count(self):
        counts = dict(
            self.env["cabinet.dunning.communication"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.cabinet_dunning_communication_count = counts.get(partner, 0)

    @api.depends("cabinet_late_interest_rate")
    @api.depends_context("company")
    def _compute_cabinet_late_interest_warning(self):
        Rate = self.env["cabinet.penalty.rate"]
        for partner in self:
            partner.cabinet_late_interest_warning = Rate._get_contract_rate_warning(
                partner.cabinet_late_interest_rate
            )

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    def write(self, vals):
        # EXTENDS base (RC-23): record rules are cached per user with the
        # user's commercial entity evaluated in their domain (portal invoice
        # rule); a portal contact moved under another parent must lose its
        # former entity's invoices at once, not when the cache expires.
        moved_users = "parent_id" in vals and self.sudo().user_ids
        result = super().write(vals)
        if moved_users:
            self.env.registry.clear_cache()
        return result

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

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_get_collector(self, company):
        """Who follows this debtor for ``company``: its own collector, the
        client company's, else the current user."""
        self.ensure_one()
        return (
            self.with_company(company).cabinet_collector_id
            or company.cabinet_collector_id
            or self.env.user
        )
