from odoo import fields, models


class CabinetCollectionFeeLine(models.Model):
    """A line of the fee statement's annex: one payment recovered on one
    invoice of a collection file, and the success fee it bears."""

    _name = "cabinet.collection.fee.line"
    _description = "Collection fee annex line"
    _order = "fee_id, date, id"

    fee_id = fields.Many2one(
        comodel_name="cabinet.collection.fee",
        string="Fee Statement",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="fee_id.company_id", store=True, index=True)
    firm_id = fields.Many2one(related="fee_id.firm_id", store=True)
    currency_id = fields.Many2one(related="fee_id.currency_id")
    file_id = fields.Many2one(
        comodel_name="cabinet.collection.file", string="Collection File", required=True
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Debtor", required=True
    )
    move_id = fields.Many2one(comodel_name="account.move", string="Invoice")
    date = fields.Date(required=True)
    amount_recovered = fields.Monetary(string="Recovered", currency_field="currency_id")
    amount_fee = fields.Monetary(string="Success Fee", currency_field="currency_id")
