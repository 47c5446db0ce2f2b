from lxml import etree

from odoo import models

from ..tools import einvoice_reader


class AccountEdiCommon(models.AbstractModel):
    _inherit = "account.edi.common"

    def _retrieve_taxes(self, record, line_values, tax_type, tax_exigibility=None):
        # EXTENDS account_edi_ubl_cii: during a cabinet import, match taxes on
        # rate AND category (BT-151/BT-152) among archived ones too, so that a
        # K line never lands on the first 0 % tax of the chart.
        if not self.env.context.get("cabinet_einvoice_import"):
            return super()._retrieve_taxes(
                record, line_values, tax_type, tax_exigibility=tax_exigibility
            )
        taxes = self.env["account.tax"]
        logs = []
        for rate_node in line_values.pop("tax_nodes"):
            category = rate_node.getparent().findtext("{*}CategoryCode")
            tax = taxes._cabinet_get_sale_tax(
                record.company_id, float(rate_node.text), category=category
            )
            if not tax:
                logs.append(
                    self.env._(
                        "No sale tax of %(rate)s %% (category %(category)s) in "
                        "%(company)s for line '%(line)s'.",
                        rate=rate_node.text,
                        category=category,
                        company=record.company_id.name,
                        line=line_values["name"],
                    )
                )
            taxes |= tax
        return taxes.ids, logs

    def _import_partner(self, company_id, name, phone, email, vat, **kwargs):
        # EXTENDS account_edi_ubl_cii: the import wizard already matched or
        # created the buyer within the client company with checked SIREN,
        # SIRET and VAT; Odoo's lookup would search every company's partners.
        partner_id = self.env.context.get("cabinet_import_partner_id")
        if partner_id:
            return self.env["res.partner"].browse(partner_id), []
        return super()._import_partner(company_id, name, phone, email, vat, **kwargs)

    def _retrieve_line_vals(self, tree, document_type=False, qty_factor=1):
        # EXTENDS account_edi_ubl_cii: during a cabinet import, a CII line
        # whose BT-131 only fits as a return or with a price per unit (see
        # einvoice_reader.check_line) gets the quantity and price that give
        # its amount; Odoo would keep a nonsensical price and discount.
        vals = super()._retrieve_line_vals(tree, document_type, qty_factor)
        if not self.env.context.get("cabinet_einvoice_import"):
            return vals
        if etree.QName(tree).localname != "IncludedSupplyChainTradeLineItem":
            return vals
        line = einvoice_reader.read_cii_line(tree)
        if line.net_price is None or line.line_total is None:
            return vals
        check = einvoice_reader.check_line(line)
        if check.reading in ("return", "price_per_unit"):
            vals.update(self._cabinet_get_line_reading_vals(check, qty_factor))
            for charge in vals["charges"]:
                charge["line_quantity"] = vals["quantity"]
        return vals

    def _cabinet_get_line_reading_vals(self, check, qty_factor):
        """Quantity, unit price and discount giving the line amount BT-131
        under the reading ``check`` found (allowances BT-136 become the
        discount, charges BT-141 are added back by Odoo afterwards).
        """
        line = check.line
        basis = line.basis_quantity if check.reading == "return" else 1
        quantity = line.quantity * check.quantity_sign
        price_unit = line.net_price / basis
        gross = quantity * price_unit
        discount = 0.0
        if gross:
            discount = float(100 * (1 - (line.line_total - line.charges) / gross))
        return {
            "quantity": float(quantity) * qty_factor,
            "price_unit": float(price_unit),
            "discount": discount,
        }

    def _import_partner_bank(self, invoice, bank_details):
        # EXTENDS account_edi_ubl_cii: the issuer of a cabinet import is the
        # client company, whose bank accounts come from its dossier; the
        # file's seller IBAN (possibly another seller's) is never added to it.
        if self.env.context.get("cabinet_einvoice_import"):
            return None
        return super()._import_partner_bank(invoice, bank_details)
