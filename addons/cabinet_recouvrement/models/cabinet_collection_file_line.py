from odoo import api, fields, models


class CabinetCollectionFileLine(models.Model):
    """One invoice handed over in a collection file, with its amounts at the
    hand-over."""

    _name = "cabinet.collection.file.line"
    _description = "Collection file claim"
    _order = "file_id, date, id"
    _check_company_auto = True

    file_id = fields.Many2one(
        comodel_name="cabinet.collection.file",
        string="Collection File",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        related="file_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="file_id.currency_id")
    partner_id = fields.Many2one(related="file_id.partner_id", string="Debtor")
    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    date = fields.Date(string="Hand-over Date", required=True)
    principal = fields.Monetary(
        currency_field="currency_id",
        help="Amount due on the invoice when it was handed over.",
    )
    interest = fields.Monetary(currency_field="currency_id")
    indemnity = fields.Monetary(
        string="Recovery Indemnity", currency_field="currency_id"
    )
    amount_recovered = fields.Monetary(
        string="Recovered",
        compute="_compute_amount_recovered",
        currency_field="currency_id",
    )
    # Reconciliations up to this id existed at the hand-over: only later ones
    # are recoveries, even when dated the same day.
    partial_watermark = fields.Integer(readonly=True)

    _file_move_unique = models.Constraint(
        "UNIQUE(file_id, move_id)",
        "An invoice is handed over only once in a collection file.",
    )

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    @api.depends("move_id.amount_residual", "date")
    def _compute_amount_recovered(self):
        totals = dict.fromkeys(self.ids, 0.0)
        for recovery in self._get_recoveries():
            totals[recovery["line"].id] += recovery["amount"]
        for line in self:
            line.amount_recovered = totals.get(line.id, 0.0)

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _get_recoveries(self, date_from=False, date_to=False):
        """Payments reconciled with the invoices after their hand-over, dated
        by the reconciliation (the later of the invoice and payment dates).

        :return: list of dicts (``line``, ``partial``, ``date``, ``amount``)
        """
        recoveries = []
        for line in self.filtered("id"):
            receivables = line.move_id.line_ids.filtered(
                lambda aml: aml.account_id.account_type == "asset_receivable"
            )
            for partial in receivables.matched_credit_ids:
                if not line._is_recovery(partial):
                    continue
                if (date_from and partial.max_date < date_from) or (
                    date_to and partial.max_date > date_to
                ):
                    continue
                recoveries.append(
                    {
                        "line": line,
                        "partial": partial,
                        "date": partial.max_date,
                        "amount": partial.amount,
                    }
                )
        return sorted(recoveries, key=lambda r: (r["date"], r["partial"].id))

    def _is_recovery(self, partial):
        """Whether a reconciliation of the invoice is a payment received since
        the hand-over; credit notes are not recoveries (override point)."""
        self.ensure_one()
        return (
            partial.id > self.partial_watermark
            and partial.max_date >= self.date
            and partial.credit_move_id.move_id.move_type == "entry"
        )
