from odoo import fields, models
from odoo.tools import SQL

from ..tools.sql_view import create_view
from .cabinet_aging_report import CabinetAgingReport

# Days of invoicing the days sales outstanding are measured on.
DSO_DAYS = 90


class CabinetPortfolioReport(models.Model):
    """The receivables portfolio of the cabinet: one row per client company,
    at today's date (``CURRENT_DATE`` of the database)."""

    _name = "cabinet.portfolio.report"
    _description = "Receivables portfolio of the client companies"
    _auto = False
    _rec_name = "company_id"
    _order = "amount_overdue desc, id"
    # Fields read by the view besides those of the aging report: the ORM
    # flushes them before querying it.
    _depends = {  # noqa: RUF012 (read by the ORM, never mutated)
        **CabinetAgingReport._depends,
        "account.move": [
            *CabinetAgingReport._depends["account.move"],
            "company_id",
        ],
        "account.partial.reconcile": [
            "amount",
            "max_date",
            "debit_move_id",
            "credit_move_id",
        ],
        "cabinet.collection.file.line": [
            "file_id",
            "move_id",
            "company_id",
            "date",
            "principal",
            "partial_watermark",
        ],
        "cabinet.collection.fee": ["company_id", "amount_total", "invoice_id"],
    }

    company_id = fields.Many2one(
        comodel_name="res.company", string="Client Company", readonly=True
    )
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    under_mandate = fields.Boolean(
        string="Under Collection Mandate",
        readonly=True,
        help="A signed amicable-collection mission letter covers today.",
    )
    amount_receivable = fields.Monetary(
        string="Receivables", currency_field="currency_id", readonly=True
    )
    amount_overdue = fields.Monetary(
        string="Overdue", currency_field="currency_id", readonly=True
    )
    amount_not_due = fields.Monetary(
        string="Not Due", currency_field="currency_id", readonly=True
    )
    amount_1_30 = fields.Monetary(
        string="1-30 Days", currency_field="currency_id", readonly=True
    )
    amount_31_60 = fields.Monetary(
        string="31-60 Days", currency_field="currency_id", readonly=True
    )
    amount_61_90 = fields.Monetary(
        string="61-90 Days", currency_field="currency_id", readonly=True
    )
    amount_over_90 = fields.Monetary(
        string="Over 90 Days", currency_field="currency_id", readonly=True
    )
    amount_invoiced = fields.Monetary(
        string="Invoiced (90 Days)",
        currency_field="currency_id",
        readonly=True,
        help="Posted customer invoices less credit notes, taxes included, "
        "dated within the last 90 days (today included).",
    )
    dso = fields.Float(
        string="DSO (Days)",
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="Days sales outstanding: receivables divided by the amount "
        "invoiced over the last 90 days, times 90; 0 when nothing was "
        "invoiced. Totals are the plain average of the client companies.",
    )
    amount_under_mandate = fields.Monetary(
        string="Receivables Under Mandate",
        currency_field="currency_id",
        readonly=True,
        help="Receivables of the client companies under a collection mandate.",
    )
    amount_in_collection = fields.Monetary(
        string="In Collection Files",
        currency_field="currency_id",
        readonly=True,
        help="Open amount of the invoices handed over in open collection files.",
    )
    amount_handed_over = fields.Monetary(
        string="Handed Over",
        currency_field="currency_id",
        readonly=True,
        help="Principal of the invoices handed over in collection files, "
        "whatever their status, at the hand-over.",
    )
    amount_recovered = fields.Monetary(
        string="Recovered",
        currency_field="currency_id",
        readonly=True,
        help="Payments received on the handed-over invoices since their hand-over.",
    )
    recovery_rate = fields.Float(
        string="Recovery Rate (%)",
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="Recovered divided by handed over. Totals are the plain average "
        "of the client companies.",
    )
    fee_earned = fields.Monetary(
        string="Fees Earned",
        currency_field="currency_id",
        readonly=True,
        help="Total of the collection fee statements, excluding VAT, billed or not.",
    )
    fee_billed = fields.Monetary(
        string="Fees Billed",
        currency_field="currency_id",
        readonly=True,
        help="Total of the collection fee statements whose invoice is posted.",
    )

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    def init(self):
        create_view(self.env.cr, self._table, self._get_query())

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_open_aging(self):
        """Open the aging of the client company, grouped by debtor."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cabinet_recouvrement.cabinet_aging_report_action"
        )
        action.update(
            {
                "name": self.env._(
                    "Aging of %(company)s", company=self.company_id.display_name
                ),
                "domain": [("company_id", "=", self.company_id.id)],
                "context": {"group_by": ["partner_id"]},
                "view_mode": "list,pivot,graph",
                "views": [(False, "list"), (False, "pivot"), (False, "graph")],
            }
        )
        return action

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _get_query(self):
        """The SELECT of the view (override point): the aging of
        ``cabinet.aging.report`` summed per company, with the invoicing of
        the last 90 days, the collection files and the fee statements."""
        return SQL(
            """
            WITH aging AS (%(aging)s),
            aged AS (
                SELECT company_id,
                       SUM(amount_residual) AS receivable,
                       SUM(amount_residual)
                           FILTER (WHERE aging_bucket != 'not_due') AS overdue,
                       SUM(amount_residual)
                           FILTER (WHERE aging_bucket = 'not_due') AS not_due,
                       SUM(amount_residual)
                           FILTER (WHERE aging_bucket = '1_30') AS b_1_30,
                       SUM(amount_residual)
                           FILTER (WHERE aging_bucket = '31_60') AS b_31_60,
                       SUM(amount_residual)
                           FILTER (WHERE aging_bucket = '61_90') AS b_61_90,
                       SUM(amount_residual)
                           FILTER (WHERE aging_bucket = 'over_90') AS b_over_90,
                       SUM(amount_residual)
                           FILTER (WHERE in_collection_file) AS in_collection
                  FROM aging
                 GROUP BY company_id
            ),
            invoiced AS (%(invoiced)s),
            handed AS (
                SELECT company_id, SUM(principal) AS amount
                  FROM cabinet_collection_file_line
                 GROUP BY company_id
            ),
            recovered AS (%(recovered)s),
            fees AS (
                SELECT fee.company_id,
                       SUM(fee.amount_total) AS earned,
                       SUM(fee.amount_total)
                           FILTER (WHERE invoice.state = 'posted') AS billed
                  FROM cabinet_collection_fee fee
                  LEFT JOIN account_move invoice ON invoice.id = fee.invoice_id
                 GROUP BY fee.company_id
            )
            SELECT company.id AS id,
                   company.id AS company_id,
                   company.currency_id AS currency_id,
                   %(under_mandate)s AS under_mandate,
                   COALESCE(aged.receivable, 0) AS amount_receivable,
                   COALESCE(aged.overdue, 0) AS amount_overdue,
                   COALESCE(aged.not_due, 0) AS amount_not_due,
                   COALESCE(aged.b_1_30, 0) AS amount_1_30,
                   COALESCE(aged.b_31_60, 0) AS amount_31_60,
                   COALESCE(aged.b_61_90, 0) AS amount_61_90,
                   COALESCE(aged.b_over_90, 0) AS amount_over_90,
                   COALESCE(invoiced.amount, 0) AS amount_invoiced,
                   CASE WHEN invoiced.amount > 0
                        THEN COALESCE(aged.receivable, 0) / invoiced.amount * %(days)s
                        ELSE 0 END AS dso,
                   CASE WHEN %(under_mandate)s THEN COALESCE(aged.receivable, 0)
                        ELSE 0 END AS amount_under_mandate,
                   COALESCE(aged.in_collection, 0) AS amount_in_collection,
                   COALESCE(handed.amount, 0) AS amount_handed_over,
                   COALESCE(recovered.amount, 0) AS amount_recovered,
                   CASE WHEN handed.amount > 0
                        THEN COALESCE(recovered.amount, 0) / handed.amount * 100
                        ELSE 0 END AS recovery_rate,
                   COALESCE(fees.earned, 0) AS fee_earned,
                   COALESCE(fees.billed, 0) AS fee_billed
              FROM res_company company
              LEFT JOIN aged ON aged.company_id = company.id
              LEFT JOIN invoiced ON invoiced.company_id = company.id
              LEFT JOIN handed ON handed.company_id = company.id
              LEFT JOIN recovered ON recovered.company_id = company.id
              LEFT JOIN fees ON fees.company_id = company.id
             WHERE company.cabinet_is_client
            """,
            aging=self.env["cabinet.aging.report"]._get_query(),
            invoiced=self._get_invoiced_sql(),
            recovered=self._get_recovered_sql(),
            under_mandate=self.env["cabinet.aging.report"]._get_under_mandate_sql(
                SQL("company.id")
            ),
            days=DSO_DAYS,
        )

    def _get_invoiced_sql(self):
        """Customer invoices less credit notes, taxes included, posted and
        dated within the last ``DSO_DAYS`` days, per company: the
        denominator of the DSO."""
        return SQL(
            """
            SELECT company_id, SUM(amount_total_signed) AS amount
              FROM account_move
             WHERE state = 'posted'
               AND move_type IN ('out_invoice', 'out_refund')
               AND invoice_date > CURRENT_DATE - %s
               AND invoice_date <= CURRENT_DATE
             GROUP BY company_id
            """,
            DSO_DAYS,
        )

    def _get_recovered_sql(self):
        """Recoveries per company, as
        ``cabinet.collection.file.line._get_recoveries`` finds them: payments
        (not credit notes) reconciled with a handed-over invoice after its
        hand-over."""
        return SQL(
            """
            SELECT file_line.company_id, SUM(partial.amount) AS amount
              FROM cabinet_collection_file_line file_line
              JOIN account_move_line receivable
                ON receivable.move_id = file_line.move_id
              JOIN account_account account
                ON account.id = receivable.account_id
               AND account.account_type = 'asset_receivable'
              JOIN account_partial_reconcile partial
                ON partial.debit_move_id = receivable.id
              JOIN account_move_line payment_line
                ON payment_line.id = partial.credit_move_id
              JOIN account_move payment_move
                ON payment_move.id = payment_line.move_id
             WHERE partial.id > COALESCE(file_line.partial_watermark, 0)
               AND partial.max_date >= file_line.date
               AND payment_move.move_type = 'entry'
             GROUP BY file_line.company_id
            """
        )
