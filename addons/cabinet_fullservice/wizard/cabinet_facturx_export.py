import io
import logging
import zipfile

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

_logger = logging.getLogger(__name__)


class CabinetFacturxExport(models.TransientModel):
    _name = "cabinet.facturx.export"
    _description = "Bulk export of Factur-X invoices"
    _check_company_auto = True

    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Client Company",
        required=True,
        domain="[('cabinet_is_client', '=', True), ('id', 'in', allowed_company_ids)]",
        default=lambda self: self.env.company,
    )
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    move_ids = fields.Many2many(
        comodel_name="account.move",
        string="Invoices",
        help="Restrict the export to these invoices (they must belong to the "
        "client company). Empty: every posted invoice and credit note of the "
        "period.",
    )
    attachment_id = fields.Many2one(
        comodel_name="ir.attachment", string="Archive", readonly=True
    )

    _date_range = models.Constraint(
        "CHECK(date_to >= date_from)",
        "The end of the export period cannot precede its start.",
    )

    @api.model
    def default_get(self, fields_list):
        # EXTENDS base: invoices selected in a list view.
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "account.move":
            values["move_ids"] = [
                fields.Command.set(self.env.context.get("active_ids", []))
            ]
        return values

    def action_export(self):
        """Zip the Factur-X PDFs of the company's invoices of the period and
        return the archive as a download.
        """
        self.ensure_one()
        moves = self._get_moves()
        if not moves:
            raise UserError(
                self.env._(
                    "%(company)s has no posted invoice or credit note between "
                    "%(start)s and %(end)s.",
                    company=self.company_id.name,
                    start=self.date_from,
                    end=self.date_to,
                )
            )
        self.attachment_id = self.env["ir.attachment"].create(
            {
                "name": self._get_archive_name(),
                "raw": self._build_archive(moves),
                "mimetype": "application/zip",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        _logger.info(
            "Exported %s Factur-X invoices of company %s",
            len(moves),
            self.company_id.id,
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "self",
        }

    def _get_moves_domain(self):
        return Domain(
            [
                ("company_id", "=", self.company_id.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                ("invoice_date", ">=", self.date_from),
                ("invoice_date", "<=", self.date_to),
            ]
        )

    def _get_moves(self):
        """The invoices to export; refuse other companies' invoices."""
        foreign = self.move_ids.filtered(lambda m: m.company_id != self.company_id)
        if foreign:
            raise UserError(
                self.env._(
                    "Only invoices of %(company)s can be exported together; "
                    "these belong to another company: %(moves)s.",
                    company=self.company_id.name,
                    moves=", ".join(foreign.mapped("display_name")),
                )
            )
        domain = self._get_moves_domain()
        if self.move_ids:
            domain &= Domain("id", "in", self.move_ids.ids)
        return self.env["account.move"].search(domain, order="invoice_date, name")

    def _get_archive_name(self):
        return (
            f"factur-x-{self.company_id.partner_id._get_siren() or self.company_id.id}"
            f"-{self.date_from}-{self.date_to}.zip"
        )

    def _build_archive(self, moves):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for move in moves:
                name = move.name.replace("/", "_")
                archive.writestr(f"{name}.pdf", move._cabinet_get_facturx_pdf())
        return buffer.getvalue()
