from odoo import api, models


class ReportCabinetMission(models.AbstractModel):
    _name = "report.cabinet_fullservice.report_cabinet_mission"
    _description = "Mission report PDF"

    @api.model
    def _get_report_values(self, docids, data=None):
        """Values of the mission report of each company printed, for the
        month ``data["month"]`` ("YYYY-MM"), the current month by default."""
        Report = self.env["cabinet.mission.report"]
        date_from, date_to = Report._get_month_period((data or {}).get("month"))
        companies = self.env["res.company"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "res.company",
            "docs": companies,
            "reports": [
                Report._get_report_values(company, date_from, date_to)
                for company in companies
            ],
        }
