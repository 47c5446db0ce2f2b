from odoo import fields, models


class CabinetDebtorMixin(models.AbstractModel):
    """What disputes, promises to pay and payment plans share: a debtor of a
    client company, the invoices concerned, and the collector following them.
    """

    _name = "cabinet.debtor.mixin"
    _description = "Debtor Arrangement"
    _inherit = ("mail.thread",)
    _check_company_auto = True

    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Client Company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Debtor",
        required=True,
        index=True,
        tracking=True,
    )
    move_ids = fields.Many2many(
        comodel_name="account.move",
        string="Invoices",
        check_company=True,
    )

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_get_collector(self):
        """The collector of the debtor in the client company."""
        self.ensure_one()
        return self.partner_id._cabinet_get_collector(self.company_id)
