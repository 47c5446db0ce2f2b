from odoo import api, models
from odoo.tools import format_date

# Days given by a formal notice to pay (field practice: 8 to 15 days).
NOTICE_DAYS = 8


class ReportCabinetDunningLetter(models.AbstractModel):
    """Values of the reminder letter: sender, creditor, amounts claimed and,
    for a letter sent under an amicable-collection mandate, what the mentions
    of CPCE R124-4 need (the texts are in the template, in French).
    """

    _name = "report.cabinet_recouvrement.report_dunning_letter"
    _description = "Reminder Letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        communications = self.env["cabinet.dunning.communication"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "cabinet.dunning.communication",
            "docs": communications,
            "letter_vals": {
                com.id: self._get_letter_vals(com) for com in communications
            },
        }

    def _get_letter_vals(self, communication):
        creditor = communication.company_id
        on_behalf = communication.offer == "collection"
        sender = creditor.cabinet_firm_id if on_behalf else creditor
        lines = communication.line_ids
        principal = sum(lines.mapped("amount_residual"))
        interest = sum(lines.mapped("amount_interest"))
        indemnity = sum(lines.mapped("amount_indemnity"))
        first = (
            communication._cabinet_get_first_collection_letter() if on_behalf else None
        )
        lang = communication.partner_id.lang or "fr_FR"
        return {
            "sender": sender or creditor,
            "creditor": creditor,
            "debtor": communication.partner_id,
            "date_text": format_date(self.env, communication.date, lang_code=lang),
            "principal": principal,
            "interest": interest,
            "indemnity": indemnity,
            "total_claimed": principal + interest + indemnity,
            "show_penalties": communication.tone in ("firm", "formal_notice")
            and bool(interest or indemnity),
            "notice_days": NOTICE_DAYS,
            "iban": creditor.partner_id.bank_ids[:1].acc_number or "",
            "first_reference": first.name if first else "",
            "first_date_text": format_date(self.env, first.date, lang_code=lang)
            if first
            else "",
            "sender_siren": (sender or creditor).partner_id._get_siren() or "",
            "creditor_siren": creditor.partner_id._get_siren() or "",
            "signatory": communication._cabinet_get_collector().name,
        }
