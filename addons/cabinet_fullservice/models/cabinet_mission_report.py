import datetime

from odoo import api, fields, models
from odoo.tools import date_utils

from ..tools.aging import AGE_BUCKETS, get_age_bucket

OPEN_MOVE_TYPES = ("out_invoice", "out_refund")


class CabinetMissionReport(models.AbstractModel):
    """Figures of the monthly mission report ("Restitution de la mission")
    of a client company: invoicing, lifecycle statuses, amounts due by age
    and DSO. Shown on the client portal and printed as PDF; other modules
    add their figures by extending ``_get_report_values``."""

    _name = "cabinet.mission.report"
    _description = "Mission report of a client company"

    @api.model
    def _get_month_period(self, month=None):
        """First and last day of ``month`` ("YYYY-MM"), the current month
        when empty or malformed.

        :return: (date_from, date_to)
        """
        try:
            day = datetime.datetime.strptime(month or "", "%Y-%m").date()
        except ValueError:
            day = fields.Date.context_today(self)
        return date_utils.start_of(day, "month"), date_utils.end_of(day, "month")

    @api.model
    def _get_mission_month_period(self, company, month=None):
        """Period of ``month`` ("YYYY-MM") in the mission of ``company``: from
        the month its first billing mandate starts to the current month.

        :return: (date_from, date_to, known), the current month and
            ``known`` False when ``month`` is given but malformed or
            outside the mission
        """
        date_from, date_to = self._get_month_period(month)
        if not month:
            return date_from, date_to, True
        today = fields.Date.context_today(self)
        [(mission_start,)] = self.env["cabinet.billing.mandate"]._read_group(
            [("company_id", "=", company.id)], [], ["date_start:min"]
        )
        first = date_utils.start_of(mission_start or date_from, "month")
        known = date_from.strftime("%Y-%m") == month and first <= date_from <= today
        if not known:
            date_from, date_to = self._get_month_period()
        return date_from, date_to, known

    @api.model
    def _get_report_values(self, company, date_from, date_to):
        """All the figures of the report of ``company`` over the period.

        Reads with grouped queries only, so that the number of queries does
        not grow with the invoices. Amounts are in company currency; amounts
        due and DSO are taken at the period end, or today for a period not
        over yet.

        :param company: the client company (res.company)
        :param date_from: first day of the period (date)
        :param date_to: last day of the period (date)
        :return: dict of values for the portal page and the PDF
        """
        as_of = min(date_to, fields.Date.context_today(self))
        return {
            "company": company,
            "currency": company.currency_id,
            "date_from": date_from,
            "date_to": date_to,
            "as_of": as_of,
            "month": date_from.strftime("%Y-%m"),
            "issued": self._get_issued_values(company, date_from, date_to),
            "statuses": self._get_status_values(company, date_from, date_to),
            "aging": self._get_aging_values(company, as_of),
            "dso": company._cabinet_get_dso(as_of),
        }

    @api.model
    def _get_issued_domain(self, company, date_from, date_to):
        return [
            ("company_id", "=", company.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("invoice_date", ">=", date_from),
            ("invoice_date", "<=", date_to),
        ]

    @api.model
    def _get_issued_values(self, company, date_from, date_to):
        """Count and total incl. VAT of the invoices issued in the period."""
        [(count, amount)] = self.env["account.move"]._read_group(
            self._get_issued_domain(company, date_from, date_to),
            [],
            ["__count", "amount_total_signed:sum"],
        )
        return {"count": count, "amount": amount or 0.0}

    @api.model
    def _get_status_values(self, company, date_from, date_to):
        """Invoices issued in the period by platform lifecycle status.

        :return: list of dicts (code, label, count), most frequent first
        """
        Move = self.env["account.move"]
        labels = dict(
            Move._fields["cabinet_status_code"]._description_selection(self.env)
        )
        groups = Move._read_group(
            self._get_issued_domain(company, date_from, date_to),
            ["cabinet_status_code"],
            ["__count"],
        )
        statuses = [
            {
                "code": code or "",
                "label": labels.get(code) or self.env._("No platform status yet"),
                "count": count,
            }
            for code, count in groups
        ]
        return sorted(statuses, key=lambda status: (-status["count"], status["code"]))

    @api.model
    def _get_aging_values(self, company, as_of):
        """Amounts due on ``as_of`` by age bucket (days past the due date).

        Credit notes not yet refunded come off the amounts due.

        :return: dict with ``buckets`` (list of dicts key, label, count,
            amount, percent for the bar), ``total`` and ``overdue``
        """
        groups = self.env["account.move"]._read_group(
            [
                ("company_id", "=", company.id),
                ("move_type", "in", OPEN_MOVE_TYPES),
                ("state", "=", "posted"),
                ("invoice_date", "<=", as_of),
                ("amount_residual", "!=", 0.0),
            ],
            ["invoice_date_due:day"],
            ["__count", "amount_residual_signed:sum"],
        )
        labels = self._get_age_bucket_labels()
        buckets = {
            key: {"key": key, "label": labels[key], "count": 0, "amount": 0.0}
            for key, __, __ in AGE_BUCKETS
        }
        for due_date, count, amount in groups:
            bucket = buckets[get_age_bucket((as_of - due_date).days)]
            bucket["count"] += count
            bucket["amount"] += amount
        top = max((abs(bucket["amount"]) for bucket in buckets.values()), default=0)
        for bucket in buckets.values():
            bucket["amount"] = company.currency_id.round(bucket["amount"])
            bucket["percent"] = round(abs(bucket["amount"]) / top * 100) if top else 0
        total = sum(bucket["amount"] for bucket in buckets.values())
        return {
            "buckets": list(buckets.values()),
            "total": company.currency_id.round(total),
            "overdue": company.currency_id.round(total - buckets["not_due"]["amount"]),
        }

    @api.model
    def _get_age_bucket_labels(self):
        return {
            "not_due": self.env._("Not due"),
            "1_30": self.env._("1-30 days"),
            "31_60": self.env._("31-60 days"),
            "61_90": self.env._("61-90 days"),
            "over_90": self.env._("Over 90 days"),
        }
