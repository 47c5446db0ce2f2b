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
        files = self.env["cabinet.collection.file"].search(
            [("company_id", "=", company.id)]
        )
        recoveries = files._cabinet_get_recoveries(date_from, date_to)
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
            "recovered": company.currency_id.round(
                sum(recovery["amount"] for recovery in recoveries)
            ),
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
