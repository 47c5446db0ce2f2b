from odoo import fields, models


class CabinetPaymentPlanLine(models.Model):
    _name = "cabinet.payment.plan.line"
    _description = "Payment plan instalment"
    _order = "plan_id, date, id"

    plan_id = fields.Many2one(
        comodel_name="cabinet.payment.plan",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    date = fields.Date(required=True)
    amount = fields.Monetary(currency_field="currency_id", required=True)
