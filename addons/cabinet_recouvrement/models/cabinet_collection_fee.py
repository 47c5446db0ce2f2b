import base64
import logging

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import date_utils

_logger = logging.getLogger(__name__)


class CabinetCollectionFee(models.Model):
    """The monthly fee statement of an amicable-collection mandate: the base
    fee of the mission letter plus a success fee on the sums recovered in the
    month, billed by the cabinet to the client company and never to the
    debtor (ord. 45-2138 art. 24, CPCE L111-8)."""

    _name = "cabinet.collection.fee"
    _description = "Collection fee statement"
    _inherit = ("mail.thread",)
    _order = "date_from desc, company_id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Client Company",
        required=True,
        index=True,
        readonly=True,
    )
    firm_id = fields.Many2one(
        comodel_name="res.company",
        string="Cabinet",
        required=True,
        index=True,
        readonly=True,
    )
    mission_letter_id = fields.Many2one(
        comodel_name="cabinet.mission.letter",
        required=True,
        readonly=True,
    )
    date_from = fields.Date(string="Month", required=True, readonly=True)
    date_to = fields.Date(required=True, readonly=True)
    currency_id = fields.Many2one(related="mission_letter_id.currency_id")
    base_fee = fields.Monetary(currency_field="currency_id", readonly=True)
    success_fee_rate = fields.Float(
        string="Success Fee (%)", digits=(5, 2), readonly=True
    )
    line_ids = fields.One2many(
        comodel_name="cabinet.collection.fee.line",
        inverse_name="fee_id",
        string="Annex",
        readonly=True,
    )
    amount_recovered = fields.Monetary(
        string="Recovered",
        compute="_compute_amounts",
        store=True,
        currency_field="currency_id",
    )
    success_fee = fields.Monetary(
        compute="_compute_amounts", store=True, currency_field="currency_id"
    )
    amount_total = fields.Monetary(
        string="Total Fee Excl. Tax",
        compute="_compute_amounts",
        store=True,
        currency_field="currency_id",
    )
    invoice_id = fields.Many2one(comodel_name="account.move", readonly=True, copy=False)
    state = fields.Selection(
        selection=[("draft", "Draft"), ("invoiced", "Invoiced")],
        string="Status",
        required=True,
        default="draft",
        readonly=True,
        tracking=True,
    )

    _company_month_unique = models.Constraint(
        "UNIQUE(company_id, date_from)",
        "A client company has one collection fee statement per month.",
    )

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    @api.depends("company_id.name", "date_from")
    def _compute_name(self):
        for fee in self:
            fee.name = self.env._(
                "%(company)s - %(month)s",
                company=fee.company_id.name or "",
                month=fee.date_from and fee.date_from.strftime("%m/%Y") or "",
            )

    @api.depends("base_fee", "line_ids.amount_recovered", "line_ids.amount_fee")
    def _compute_amounts(self):
        for fee in self:
            fee.amount_recovered = sum(fee.line_ids.mapped("amount_recovered"))
            fee.success_fee = sum(fee.line_ids.mapped("amount_fee"))
            fee.amount_total = fee.base_fee + fee.success_fee

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_bill(self):
        """Issue the cabinet's invoice of the statement to the client company,
        with the annex attached; statements already invoiced are left as is."""
        for fee in self.filtered(lambda f: f.state == "draft"):
            fee._cabinet_create_invoice()
        return True

    def action_open_invoice(self):
        """Open the fee invoice."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.invoice_id.id,
            "view_mode": "form",
        }

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    @api.model
    def _cabinet_bill_month(self, month, companies=None):
        """Prepare and bill the fee statements of a month.

        :param month: any date of the month billed
        :param companies: client companies (res.company); all those with a
            signed collection mission letter in the month by default
        :return: the statements of the month (cabinet.collection.fee)
        """
        statements = self._cabinet_prepare_statements(month, companies)
        statements.action_bill()
        return statements

    @api.model
    def _cabinet_prepare_statements(self, month, companies=None):
        """The draft or invoiced statements of the month, created or refreshed
        (drafts only) from the sums recovered."""
        date_from = date_utils.start_of(month, "month")
        date_to = date_utils.end_of(month, "month")
        if companies is None:
            companies = self._get_companies_to_bill(date_from, date_to)
        statements = self.browse()
        for company in companies:
            letter = company._cabinet_get_collection_mission_letter(
                date_to
            ) or company._cabinet_get_collection_mission_letter(date_from)
            if not letter:
                continue
            statement = self.search(
                [("company_id", "=", company.id), ("date_from", "=", date_from)]
            ) or self.create(self._prepare_fee_vals(letter, date_from, date_to))
            if statement.state == "draft":
                statement._cabinet_compute_lines()
            statements |= statement
        return statements

    @api.model
    def _get_companies_to_bill(self, date_from, date_to):
        letters = (
            self.env["cabinet.mission.letter"]
            .sudo()
            .search(
                [
                    ("mission_type", "=", "collection"),
                    ("state", "=", "signed"),
                    ("date_start", "<=", date_to),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", date_from),
                ]
            )
        )
        return letters.company_id.with_env(self.env)

    @api.model
    def _prepare_fee_vals(self, letter, date_from, date_to):
        return {
            "company_id": letter.company_id.id,
            "firm_id": (letter.firm_id or letter.company_id.cabinet_firm_id).id,
            "mission_letter_id": letter.id,
            "date_from": date_from,
            "date_to": date_to,
            "base_fee": letter.fixed_fee,
            "success_fee_rate": letter.success_fee_rate,
        }

    def _cabinet_compute_lines(self):
        """Rebuild the annex from the payments recovered in the month on the
        client's collection files; the success fee follows the tiers."""
        self.ensure_one()
        files = self.env["cabinet.collection.file"].search(
            [("company_id", "=", self.company_id.id)]
        )
        recoveries = files._cabinet_get_recoveries(self.date_from, self.date_to)
        total = sum(recovery["amount"] for recovery in recoveries)
        success_fee = self._get_success_fee(total)
        vals_list = []
        allotted = 0.0
        for index, recovery in enumerate(recoveries):
            # Each payment bears its share of the fee; the last one takes the
            # rounding difference so that the annex adds up to the invoice.
            if index == len(recoveries) - 1:
                share = self.currency_id.round(success_fee - allotted)
            else:
                share = self.currency_id.round(success_fee * recovery["amount"] / total)
            allotted += share
            vals_list.append(self._prepare_line_vals(recovery, share))
        self.line_ids = [Command.clear()] + [Command.create(vals) for vals in vals_list]

    def _prepare_line_vals(self, recovery, share):
        line = recovery["line"]
        return {
            "file_id": line.file_id.id,
            "partner_id": line.partner_id.id,
            "move_id": line.move_id.id,
            "date": recovery["date"],
            "amount_recovered": recovery["amount"],
            "amount_fee": share,
        }

    def _get_success_fee(self, amount):
        """The success fee on ``amount`` recovered in the month: the letter's
        rate, or, with tiers, each tier's rate on the part of the amount above
        it (the letter's rate below the first tier).

        :return: float, rounded to the currency
        """
        self.ensure_one()
        tiers = self.env["cabinet.collection.fee.tier"].search(
            [("mission_letter_id", "=", self.mission_letter_id.id)]
        )
        bounds = [(0.0, self.success_fee_rate)] + [
            (tier.amount_from, tier.rate) for tier in tiers if tier.amount_from > 0
        ]
        bounds.sort()
        fee = 0.0
        for index, (amount_from, rate) in enumerate(bounds):
            amount_to = bounds[index + 1][0] if index + 1 < len(bounds) else amount
            portion = min(amount, amount_to) - amount_from
            if portion > 0:
                fee += portion * rate / 100.0
        return self.currency_id.round(fee)

    def _cabinet_create_invoice(self):
        """Create and post the cabinet's invoice to the client company."""
        self.ensure_one()
        if not self.firm_id:
            raise UserError(
                self.env._(
                    "The client company %(company)s has no managing cabinet.",
                    company=self.company_id.name,
                )
            )
        invoice = (
            self.env["account.move"]
            .with_company(self.firm_id)
            .create(self._prepare_invoice_vals())
        )
        invoice.action_post()
        self.write({"invoice_id": invoice.id, "state": "invoiced"})
        self._cabinet_attach_annex(invoice)
        _logger.info("Collection fee %s billed as invoice %s", self.id, invoice.id)
        return invoice

    def _prepare_invoice_vals(self):
        """The invoice is issued by the cabinet's company to the client
        company's partner: the debtor never bears the fee (CPCE L111-8)."""
        lines = [
            self._prepare_invoice_line_vals(self._get_base_fee_label(), self.base_fee)
        ]
        if not self.currency_id.is_zero(self.success_fee):
            lines.append(
                self._prepare_invoice_line_vals(
                    self._get_success_fee_label(), self.success_fee
                )
            )
        return {
            "move_type": "out_invoice",
            "company_id": self.firm_id.id,
            "partner_id": self.company_id.partner_id.id,
            "currency_id": self.currency_id.id,
            "invoice_date": fields.Date.context_today(self),
            "invoice_origin": self.name,
            "invoice_line_ids": [Command.create(vals) for vals in lines],
        }

    def _prepare_invoice_line_vals(self, label, amount):
        return {
            "name": label,
            "quantity": 1.0,
            "price_unit": amount,
            "tax_ids": [Command.set(self._get_fee_taxes().ids)],
        }

    def _get_fee_taxes(self):
        """The cabinet's own 20 % sale tax, when it has one (override point)."""
        return self.env["account.tax"].search(
            [
                ("company_id", "=", self.firm_id.id),
                ("type_tax_use", "=", "sale"),
                ("amount_type", "=", "percent"),
                ("amount", "=", 20.0),
                ("price_include", "=", False),
            ],
            limit=1,
        )

    def _get_base_fee_label(self):
        return self.env._(
            "Amicable collection mandate %(letter)s - base fee %(month)s",
            letter=self.mission_letter_id.name,
            month=self.date_from.strftime("%m/%Y"),
        )

    def _get_success_fee_label(self):
        detail = "\n".join(
            self.env._(
                "%(date)s %(debtor)s %(invoice)s: %(amount)s recovered, fee %(fee)s",
                date=line.date.strftime("%d/%m/%Y"),
                debtor=line.partner_id.name,
                invoice=line.move_id.name or "",
                amount=f"{line.amount_recovered:.2f}",
                fee=f"{line.amount_fee:.2f}",
            )
            for line in self.line_ids
        )
        return self.env._(
            "Success fee on %(amount)s recovered in %(month)s (see annex)\n%(detail)s",
            amount=f"{self.amount_recovered:.2f}",
            month=self.date_from.strftime("%m/%Y"),
            detail=detail,
        )

    def _cabinet_attach_annex(self, invoice):
        """Attach the printed annex to the invoice."""
        content, _report_type = self.env["ir.actions.report"]._render_qweb_pdf(
            "cabinet_recouvrement.cabinet_collection_fee_report", self.ids
        )
        self.env["ir.attachment"].create(
            {
                "name": self.env._(
                    "Collection fee annex %(month)s.pdf",
                    month=self.date_from.strftime("%Y-%m"),
                ),
                "datas": base64.b64encode(content),
                "res_model": "account.move",
                "res_id": invoice.id,
                "mimetype": "application/pdf",
            }
        )

    # -------------------------------------------------------------------------
    # Cron
    # -------------------------------------------------------------------------

    @api.model
    def _cron_bill_collection_fees(self):
        """Bill last month's collection fees, one client company per batch
        step; statements already invoiced are skipped, so reruns are safe."""
        month = fields.Date.context_today(self) - relativedelta(months=1)
        date_from = date_utils.start_of(month, "month")
        date_to = date_utils.end_of(month, "month")
        companies = self._get_companies_to_bill(date_from, date_to)
        billed = self.search(
            [("date_from", "=", date_from), ("state", "=", "invoiced")]
        ).company_id
        companies -= billed
        _logger.info(
            "Collection fees of %s: %s client companies to bill",
            date_from.strftime("%Y-%m"),
            len(companies),
        )
        for index, company in enumerate(companies):
            try:
                with self.env.cr.savepoint():
                    self._cabinet_bill_month(month, company)
            except UserError:
                _logger.exception("Collection fee of company %s not billed", company.id)
            remaining_time = self.env["ir.cron"]._commit_progress(
                1, remaining=len(companies) - index - 1
            )
            if not remaining_time:
                break
