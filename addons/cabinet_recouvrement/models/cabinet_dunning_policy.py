from odoo import api, fields, models
from odoo.exceptions import UserError


class CabinetDunningPolicy(models.Model):
    """A ladder of reminder levels for one client company.

    Policies without a company are cabinet-wide templates: a manager copies
    one to a client company, then edits the copy.
    """

    _name = "cabinet.dunning.policy"
    _description = "Dunning policy"
    _order = "company_id, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Client Company",
        index=True,
        help="Leave empty for a cabinet-wide template to copy from.",
    )
    is_template = fields.Boolean(compute="_compute_is_template", store=True)
    level_ids = fields.One2many(
        comodel_name="cabinet.dunning.level",
        inverse_name="policy_id",
        string="Levels",
        copy=True,
    )
    description = fields.Text()

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    @api.depends("company_id")
    def _compute_is_template(self):
        for policy in self:
            policy.is_template = not policy.company_id

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_open_copy_wizard(self):
        """Open the wizard copying this template to a client company."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Copy to a client company"),
            "res_model": "cabinet.dunning.policy.copy",
            "view_mode": "form",
            "target": "new",
            "context": {"default_policy_id": self.id},
        }

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_copy_to_company(self, company, set_default=True):
        """Copy this policy, with its levels, to ``company``.

        :param company: the client company receiving the copy
        :param set_default: also make the copy the company's policy
        :return: the new policy
        """
        self.ensure_one()
        if not company:
            raise UserError(self.env._("Choose the client company to copy to."))
        policy = self.copy({"company_id": company.id, "name": self.name})
        # Templates of mail and SMS stay shared: they render per record.
        if set_default:
            company.cabinet_dunning_policy_id = policy
        return policy

    def _cabinet_get_levels(self):
        """Levels of the policy, first to last."""
        self.ensure_one()
        return self.level_ids.sorted(lambda level: (level.sequence, level.id))
