from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        # EXTENDS account: a payment matched with a sent invoice is reported
        # to the platform as a 212 "Encaissée" (flow 6, BR-FR-CDV-14).
        partials = super().create(vals_list)
        partials.debit_move_id.move_id._cabinet_report_collections()
        return partials
