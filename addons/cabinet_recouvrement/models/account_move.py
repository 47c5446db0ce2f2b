from decimal import Decimal

from odoo import fields, models

from ..tools import penalties

# C. com. D441-5: flat indemnity for recovery costs, per late invoice.
RECOVERY_INDEMNITY = 40.0


class AccountMove(models.Model):
    _inherit = "account.move"

    cabinet_dunning_blocked = fields.Boolean(
        string="Dunning Blocked",
        copy=False,
        tracking=True,
        help="No reminder for this invoice until unblocked.",
    )
    cabinet_dunning_excluded = fields.Boolean(
        string="Excluded from Dunning",
        copy=False,
        tracking=True,
        help="This invoice is never reminded (e.g. collected another way).",
    )
    cabinet_dunning_line_ids = fields.One2many(
        comodel_name="cabinet.dunning.communication.line",
        inverse_name="move_id",
        string="Reminders",
    )

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_get_late_penalties(self, as_of_date):
        """Late-payment penalties of this customer invoice on ``as_of_date``.

        Interest per instalment (receivable line) from the day after its due
        date to ``as_of_date`` included, or to the payment that settled it;
        the EUR 40 indemnity once per late invoice, whole even after a partial
        payment, outside VAT. Consumers owe neither (DOMAIN §10: only legal
        interest after a formal notice, not computed here).

        :param as_of_date: date (or ISO string), last day of interest counted
        :return: dict with ``interest`` (float, move currency, rounded to its
            unit), ``indemnity`` (40.0 or 0.0), ``rate`` (percent of the latest
            segment, 0.0 when not late), ``segments`` (list of dicts: date_from,
            date_to, base, rate, days, amount) and ``warning`` (str or False)
        :raise UserError: no rate in the table for a half-year concerned
        """
        self.ensure_one()
        as_of_date = fields.Date.to_date(as_of_date)
        result = {
            "interest": 0.0,
            "indemnity": 0.0,
            "rate": 0.0,
            "segments": [],
            "warning": False,
        }
        if not self._cabinet_is_penalty_eligible():
            return result
        Rate = self.env["cabinet.penalty.rate"]
        rates = Rate._get_rate_table(as_of_date)
        contract_rate = self._cabinet_get_contract_interest_rate()
        quantum = Decimal(str(self.currency_id.rounding))
        interest = Decimal(0)
        warnings = []
        for line in self._cabinet_get_penalty_lines():
            try:
                line_result = penalties.compute_late_interest(
                    Decimal(str(line.amount_currency)),
                    line.date_maturity,
                    as_of_date,
                    rates,
                    payments=line._cabinet_get_penalty_payments(),
                    contract_rate=contract_rate,
                    quantum=quantum,
                )
            except penalties.MissingRateError as error:
                Rate._raise_missing_rate(error.half_year_start)
            interest += line_result.interest
            if line_result.is_late:
                result["segments"] += [
                    self._cabinet_prepare_segment_vals(segment)
                    for segment in line_result.segments
                ]
            warnings += [w for w in line_result.warnings if w not in warnings]
        result["segments"].sort(key=lambda segment: segment["date_from"])
        result["interest"] = float(interest)
        if result["segments"]:
            result["indemnity"] = RECOVERY_INDEMNITY
            result["rate"] = result["segments"][-1]["rate"]
        result["warning"] = Rate._format_rate_warnings(warnings)
        return result

    def _cabinet_claim_late_penalties(self, claim_date):
        """Open (or refresh) the penalty claims of these invoices, for the
        reminder or formal notice that states them on ``claim_date``.

        :return: cabinet.penalty.claim records of the late invoices
        """
        Claim = self.env["cabinet.penalty.claim"]
        claims = Claim.search([("move_id", "in", self.ids)])
        claims._cabinet_refresh_amounts(claim_date)
        new_moves = self.filtered(
            lambda move: (
                move not in claims.move_id
                and move._cabinet_get_late_penalties(claim_date)["segments"]
            )
        )
        claims |= Claim.with_context(cabinet_as_of_date=claim_date).create(
            [{"move_id": move.id, "claim_date": claim_date} for move in new_moves]
        )
        return claims

    def _cabinet_is_penalty_eligible(self):
        """Posted customer invoices of business debtors (C. com. L441-10)."""
        self.ensure_one()
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and self.commercial_partner_id.cabinet_is_business
        )

    def _cabinet_get_penalty_lines(self):
        """Receivable lines, one per instalment, that interest runs on."""
        return self.line_ids.filtered(
            lambda line: (
                line.account_type == "asset_receivable"
                and line.date_maturity
                and line.amount_currency > 0
            )
        )

    def _cabinet_get_contract_interest_rate(self):
        """Contract rate in percent (Decimal) or None for the statutory rate:
        the debtor's rate with the invoicing company, else the company's.
        """
        self.ensure_one()
        partner = self.commercial_partner_id.with_company(self.company_id)
        rate = partner.cabinet_late_interest_rate
        rate = rate or self.company_id.cabinet_late_interest_rate
        return Decimal(str(rate)) if rate else None

    def _cabinet_prepare_segment_vals(self, segment):
        return {
            "date_from": segment["date_from"],
            "date_to": segment["date_to"],
            "base": float(segment["base"]),
            "rate": float(segment["rate"]),
            "days": segment["days"],
            "amount": float(segment["amount"]),
        }
