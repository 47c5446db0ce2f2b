from odoo import api, fields, models
from odoo.fields import Domain

from odoo.addons.cabinet_fullservice.tools.aging import AGE_BUCKETS, get_age_bucket


class ReportCabinetDebtorStatement(models.AbstractModel):
    """Open items of a debtor in the current client company, aged."""

    _name = "report.cabinet_recouvrement.report_debtor_statement"
    _description = "Debtor Statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        partners = self.env["res.partner"].browse(docids)
        company = self.env.company
        today = fields.Date.context_today(self)
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "statement_date": today,
            "statements": {
                partner.id: self._get_statement(partner, company, today)
                for partner in partners
            },
        }

    def _get_statement_domain(self, partner, company):
        return Domain(
            [
                ("company_id", "=", company.id),
                ("partner_id", "child_of", partner.commercial_partner_id.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "!=", 0),
            ]
        )

    def _get_statement(self, partner, company, today):
        """Open receivable items with their age bucket, and the totals.

        :return: dict with ``lines`` (dicts), ``buckets`` (bucket -> amount)
            and ``total``
        """
        amls = self.env["account.move.line"].search(
            self._get_statement_domain(partner, company),
            order="date_maturity, id",
        )
        buckets = dict.fromkeys((key for key, __, __ in AGE_BUCKETS), 0.0)
        lines = []
        for aml in amls:
            days = (today - (aml.date_maturity or aml.date)).days
            bucket = get_age_bucket(days)
            buckets[bucket] += aml.amount_residual
            lines.append(
                {
                    "name": aml.move_id.name,
                    "ref": aml.move_id.ref or "",
                    "date": aml.date,
                    "date_maturity": aml.date_maturity or aml.date,
                    "days": max(days, 0),
                    "amount": aml.balance,
                    "residual": aml.amount_residual,
                    "bucket": bucket,
                }
            )
        return {
            "lines": lines,
            "buckets": buckets,
            "total": sum(buckets.values()),
        }
