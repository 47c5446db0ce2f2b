from decimal import Decimal

from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _cabinet_get_penalty_payments(self):
        """(date, amount in the move currency) settled on this receivable line.

        Payments and credit notes alike; the date is the later of the two
        entries, so an advance paid before the invoice counts from its date.
        """
        self.ensure_one()
        return [
            (partial.max_date, Decimal(str(partial.debit_amount_currency)))
            for partial in self.matched_credit_ids
            if partial.debit_amount_currency
        ]
