from odoo import api, fields, models


class CabinetClientDocumentMixin(models.AbstractModel):
    """What a dated document between the cabinet and a client company has:
    a reference from the model's sequence, the client, the cabinet and a
    period. Mission letters and billing mandates build on it."""

    _name = "cabinet.client.document.mixin"
    _description = "Cabinet client document"
    _inherit = ("mail.thread", "mail.activity.mixin")
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Client Company",
        required=True,
        index=True,
        tracking=True,
        domain="[('cabinet_is_client', '=', True)]",
        default=lambda self: self.env.company,
    )
    firm_id = fields.Many2one(
        comodel_name="res.company",
        string="Cabinet",
        compute="_compute_firm_id",
        store=True,
        readonly=False,
        tracking=True,
    )
    date_start = fields.Date(
        string="Start Date",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
    )
    date_end = fields.Date(string="End Date", tracking=True)
    notes = fields.Html()

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    @api.depends("company_id")
    def _compute_firm_id(self):
        for document in self:
            document.firm_id = (
                document.company_id.cabinet_firm_id
                or document.firm_id
                or self.env.company
            )

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # EXTENDS mail.thread: the reference comes from the model's sequence,
        # dated by the start of the period.
        for vals in vals_list:
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    self._name, sequence_date=vals.get("date_start")
                )
        return super().create(vals_list)
