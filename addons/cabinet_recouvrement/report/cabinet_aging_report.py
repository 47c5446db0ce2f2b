from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.cabinet_fullservice.tools.aging import AGE_BUCKETS

from ..tools.sql_view import create_view


class CabinetAgingReport(models.Model):
    """Open receivables of the client companies, one row per open instalment
    of a posted customer invoice or credit note, aged at today's date
    (``CURRENT_DATE`` of the database)."""

    _name = "cabinet.aging.report"
    _description = "Receivables aging of the client companies"
    _auto = False
    _rec_name = "move_id"
    _order = "date_maturity, id"
    # Fields read by the view: the ORM flushes them before querying it.
    _depends = {  # noqa: RUF012 (read by the ORM, never mutated)
        "account.move.line": [
            "company_id",
            "move_id",
            "account_id",
            "date",
            "date_maturity",
            "amount_residual",
        ],
        "account.move": [
            "state",
            "move_type",
            "commercial_partner_id",
            "invoice_date",
            "amount_total_signed",
        ],
        "account.account": ["account_type"],
        "res.company": ["currency_id", "cabinet_is_client"],
        "cabinet.mission.letter": [
            "company_id",
            "state",
            "mission_type",
            "date_start",
            "date_end",
        ],
        "cabinet.collection.file": ["state"],
        "cabinet.collection.file.line": ["file_id", "move_id"],
    }

    company_id = fields.Many2one(
        comodel_name="res.company", string="Client Company", readonly=True
    )
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Debtor",
        readonly=True,
        help="The commercial entity of the invoiced customer.",
    )
    move_id = fields.Many2one(
        comodel_name="account.move", string="Invoice", readonly=True
    )
    move_type = fields.Selection(
        selection=[
            ("out_invoice", "Customer Invoice"),
            ("out_refund", "Customer Credit Note"),
        ],
        string="Type",
        readonly=True,
    )
    invoice_date = fields.Date(readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    days_overdue = fields.Integer(
        readonly=True,
        aggregator="max",
        help="Days past the due date at today's date, 0 when not due.",
    )
    aging_bucket = fields.Selection(
        selection=[
            ("not_due", "Not Due"),
            ("1_30", "1-30 Days"),
            ("31_60", "31-60 Days"),
            ("61_90", "61-90 Days"),
            ("over_90", "Over 90 Days"),
        ],
        string="Age",
        readonly=True,
    )
    amount_residual = fields.Monetary(
        string="Amount Due",
        currency_field="currency_id",
        readonly=True,
        help="Open amount of the instalment in the company currency; negative "
        "for credit notes.",
    )
    amount_total_signed = fields.Monetary(
        string="Invoice Total",
        currency_field="currency_id",
        readonly=True,
        aggregator=False,
        help="Total of the invoice, taxes included, in the company currency "
        "(repeated on each instalment of the invoice, hence not summed).",
    )
    under_mandate = fields.Boolean(
        string="Under Collection Mandate",
        readonly=True,
        help="The client company has a signed amicable-collection mission "
        "letter covering today.",
    )
    in_collection_file = fields.Boolean(
        readonly=True,
        help="The invoice was handed over in an open collection file.",
    )

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    def init(self):
        create_view(self.env.cr, self._table, self._get_query())

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_open_invoice(self):
        """Open the invoice of the instalment."""
        self.ensure_one()
        return self.move_id._get_records_action()

    def action_open_debtor_invoices(self):
        """Open the posted customer invoices and credit notes of the debtor in
        the client company of the row, filtered on the unpaid ones by default
        (a filter the user can remove)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Invoices of %(debtor)s", debtor=self.partner_id.display_name
            ),
            "res_model": "account.move",
            "views": [(False, "list"), (False, "form")],
            "domain": [
                ("company_id", "=", self.company_id.id),
                ("commercial_partner_id", "=", self.partner_id.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
            ],
            "context": {
                "search_default_open": 1,
                "default_move_type": "out_invoice",
            },
        }

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _get_query(self):
        """The SELECT of the view (override point)."""
        return SQL(
            """
            SELECT aml.id AS id,
                   aml.company_id AS company_id,
                   company.currency_id AS currency_id,
                   move.commercial_partner_id AS partner_id,
                   aml.move_id AS move_id,
                   move.move_type AS move_type,
                   move.invoice_date AS invoice_date,
                   %(due)s AS date_maturity,
                   GREATEST(CURRENT_DATE - %(due)s, 0) AS days_overdue,
                   %(bucket)s AS aging_bucket,
                   aml.amount_residual AS amount_residual,
                   move.amount_total_signed AS amount_total_signed,
                   %(under_mandate)s AS under_mandate,
                   %(in_collection_file)s AS in_collection_file
              FROM account_move_line aml
              JOIN account_move move ON move.id = aml.move_id
              JOIN account_account account ON account.id = aml.account_id
              JOIN res_company company ON company.id = aml.company_id
             WHERE move.state = 'posted'
               AND move.move_type IN ('out_invoice', 'out_refund')
               AND account.account_type = 'asset_receivable'
               AND aml.amount_residual != 0
               AND company.cabinet_is_client
            """,
            due=SQL("COALESCE(aml.date_maturity, aml.date)"),
            bucket=self._get_bucket_sql(SQL("COALESCE(aml.date_maturity, aml.date)")),
            under_mandate=self._get_under_mandate_sql(SQL("aml.company_id")),
            in_collection_file=SQL(
                """EXISTS (
                    SELECT 1
                      FROM cabinet_collection_file_line file_line
                      JOIN cabinet_collection_file collection_file
                        ON collection_file.id = file_line.file_id
                     WHERE file_line.move_id = aml.move_id
                       AND collection_file.state = 'open'
                )"""
            ),
        )

    def _get_bucket_sql(self, due):
        """CASE expression of the age bucket of a due date at CURRENT_DATE,
        with the buckets of the debtor statement."""
        days = SQL("(CURRENT_DATE - %s)", due)
        whens = []
        for key, low, high in AGE_BUCKETS[:-1]:
            condition = SQL("%s <= %s", days, high)
            if low is not None:
                condition = SQL("%s >= %s AND %s", days, low, condition)
            whens.append(SQL("WHEN %s THEN %s", condition, key))
        return SQL("CASE %s ELSE %s END", SQL(" ").join(whens), AGE_BUCKETS[-1][0])

    def _get_under_mandate_sql(self, company_column):
        """Whether the client company has the collection offer today, as
        ``res.company._cabinet_get_collection_offer`` decides it: a signed
        collection mission letter covering the date (the strongest offer
        wins, so one such letter is enough)."""
        return SQL(
            """EXISTS (
                SELECT 1
                  FROM cabinet_mission_letter letter
                 WHERE letter.company_id = %s
                   AND letter.state = 'signed'
                   AND letter.mission_type = 'collection'
                   AND letter.date_start <= CURRENT_DATE
                   AND (letter.date_end IS NULL OR letter.date_end >= CURRENT_DATE)
            )""",
            company_column,
        )
