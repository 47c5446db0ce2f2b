from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_default_invoice_edi_format(self, move, **kwargs):
        # EXTENDS account
        # Client companies issue Factur-X (our CII), not the UBL that
        # l10n_fr_pdp proposes for Odoo's own platform.
        if move._cabinet_is_facturx_move():
            return "facturx"
        return super()._get_default_invoice_edi_format(move, **kwargs)

    def _hook_invoice_document_after_pdf_report_render(self, invoice, invoice_data):
        # EXTENDS account_edi_ubl_cii
        # Odoo embeds its XML only outside test mode, only converts to PDF/A
        # for French or German buyers and declares EXTENDED whatever BT-24
        # says: client companies get our container on this path too (RC-14).
        super()._hook_invoice_document_after_pdf_report_render(invoice, invoice_data)
        if not invoice._cabinet_is_facturx_move():
            return
        pdf_values = (
            invoice.invoice_pdf_report_id
            or invoice_data.get("pdf_attachment_values")
            or invoice_data.get("proforma_pdf_attachment_values")
        )
        if pdf_values and (pdf_values["raw"] or b"").startswith(b"%PDF"):
            pdf_values["raw"] = invoice._cabinet_embed_facturx(pdf_values["raw"])
