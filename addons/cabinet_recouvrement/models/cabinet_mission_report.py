from collections import defaultdict

from odoo import api, models


class CabinetMissionReport(models.AbstractModel):
    _inherit = "cabinet.mission.report"

    @api.model
    def _get_report_values(self, company, date_from, date_to):
        # EXTENDS cabinet_fullservice: reminders sent and amicable collection.
        values = super()._get_report_values(company, date_from, date_to)
        values["collection"] = self._get_collection_values(company, date_from, date_to)
        return values

    @api.model
    def _get_collection_values(self, company, date_from, date_to):
        """Reminders sent, sums recovered and collection fees of the period.

        :return: dict with ``reminders`` (list of dicts level, tone, count),
            ``reminder_count``, ``recovered`` (payments received in the
            period on the invoices handed over to collection), and the fee
            statements of the period: ``base_fee``, ``success_fee``,
            ``fee_total`` (excl. tax)
        """
        reminders = self._get_reminder_values(company, date_from, date_to)
        [(base_fee, success_fee, fee_total)] = self.env[
            "cabinet.collection.fee"
        ]._read_group(
            [
                ("company_id", "=", company.id),
                ("date_from", ">=", date_from),
                ("date_from", "<=", date_to),
            ],
            [],
            ["base_fee:sum", "success_fee:sum", "amount_total:sum"],
        )
        return {
            "reminders": reminders,
            "reminder_count": sum(reminder["count"] for reminder in reminders),
            "recovered": self._get_recovered_amount(company, date_from, date_to),
            "base_fee": base_fee or 0.0,
            "success_fee": success_fee or 0.0,
            "fee_total": fee_total or 0.0,
        }

    @api.model
    def _get_reminder_values(self, company, date_from, date_to):
        """Reminders sent in the period by dunning level, in level order."""
        groups = self.env["cabinet.dunning.communication"]._read_group(
            [
                ("company_id", "=", company.id),
                ("state", "=", "sent"),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
            ],
            ["level_id"],
            ["__count"],
        )
        tones = dict(
            self.env["cabinet.dunning.level"]
            ._fields["tone"]
            ._description_selection(self.env)
        )
        return [
            {
                "level": level.name,
                "tone": tones.get(level.tone, ""),
                "count": count,
            }
            for level, count in sorted(
                groups, key=lambda group: (group[0].sequence, group[0].id)
            )
        ]

    @api.model
    def _get_recovered_amount(self, company, date_from, date_to):
        """Payments received in the period on the invoices handed over to
        collection, after their hand-over.

        The rule is the collection file's (``_is_recovery``), applied to the
        reconciliations read in one search for all the files, so that the
        queries do not grow with them.
        """
        lines = self.env["cabinet.collection.file.line"].search(
            [("company_id", "=", company.id)]
        )
        lines_by_move = defaultdict(list)
        for line in lines:
            lines_by_move[line.move_id].append(line)
        partials = self.env["account.partial.reconcile"].search(
            [
                ("debit_move_id.move_id", "in", lines.move_id.ids),
                ("debit_move_id.account_id.account_type", "=", "asset_receivable"),
                ("max_date", ">=", date_from),
                ("max_date", "<=", date_to),
            ]
        )
        amount = sum(
            partial.amount
            for partial in partials
            for line in lines_by_move[partial.debit_move_id.move_id]
            if line._is_recovery(partial)
        )
        return company.currency_id.round(amount)
