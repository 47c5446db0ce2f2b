import io

from odoo import models


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        # EXTENDS account
        # Print and portal downloads of a client company's posted invoice
        # carry the same Factur-X container as the sending flow (RC-14). A
        # PDF read back from its stored attachment is the legal document: it
        # is served unchanged.
        streams = super()._render_qweb_pdf_prepare_streams(
            report_ref, data, res_ids=res_ids
        )
        proforma = self.env.context.get("proforma_invoice") or (
            data and data.get("proforma")
        )
        if not res_ids or proforma or not self._is_invoice_report(report_ref):
            return streams
        for invoice in self.env["account.move"].browse(res_ids):
            values = streams.get(invoice.id)
            if (
                not values
                or values.get("attachment")
                or invoice.state != "posted"
                or not invoice._cabinet_is_facturx_move()
            ):
                continue
            pdf = invoice._cabinet_embed_facturx(values["stream"].getvalue())
            values["stream"] = io.BytesIO(pdf)
        return streams
