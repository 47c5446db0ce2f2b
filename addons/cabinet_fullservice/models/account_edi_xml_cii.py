import logging
import re
from decimal import ROUND_HALF_UP, Decimal

from odoo import models

_logger = logging.getLogger(__name__)

# BT-24 of each Factur-X profile we issue (Factur-X 1.0.x, French CTC).
PROFILE_URNS = {
    "en16931": "urn:cen.eu:en16931:2017",
    "extended": "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
}
# XMP fx:ConformanceLevel matching each BT-24 (Factur-X specification 1.0, 7.2).
PROFILE_CONFORMANCE_LEVELS = {"en16931": "EN 16931", "extended": "EXTENDED"}

# BT-23 letter (BR-FR-08): goods, services or both.
OPERATION_LETTERS = {"goods": "B", "services": "S", "mixed": "M"}

# BR-FR-01/02: BT-1 (and BT-25) at most 35 characters of this set.
DOCUMENT_NUMBER_RE = re.compile(r"^[A-Za-z0-9+\-_/]{1,35}$")

# BT-8 (VAT point date code, UNTDID 2005 subset of EN 16931): 5 = invoice
# date (VAT on debits or goods), 72 = paid to date (services, VAT on receipts).
VAT_DUE_ON_INVOICE = "5"
VAT_DUE_ON_PAYMENT = "72"

# BT-3 (UNTDID 1001, BR-FR-04): 386 prepayment invoice, 503 its credit note.
TYPE_CODE_INVOICE = "380"
TYPE_CODE_CREDIT_NOTE = "381"
TYPE_CODE_DOWN_PAYMENT = "386"
TYPE_CODE_DOWN_PAYMENT_CREDIT_NOTE = "503"
# TypeCode of a referenced invoice: EN 16931 marks it "not used" there; the
# EXTENDED code list 51 of Factur-X 1.09 lacks 503, so only these are given.
REFERENCED_TYPE_CODES_EXTENDED = ("380", "381", "386")

# Notes whose subject code must appear once at most (BR-FR-06).
UNIQUE_NOTE_CODES = ("PMT", "PMD", "AAB", "TXD", "BAR")


class AccountEdiXmlCii(models.AbstractModel):
    _inherit = "account.edi.xml.cii"

    # -------------------------------------------------------------------------
    # Export entry points
    # -------------------------------------------------------------------------

    def _export_invoice(self, invoice):
        # EXTENDS account_edi_ubl_cii
        # An issued invoice is never rewritten (RC-14, RC-17 case c): once
        # sent, every path serves the XML stored when it was sent.
        frozen = invoice._cabinet_get_frozen_facturx_xml()
        if frozen:
            return frozen, set()
        return super()._export_invoice(invoice)

    def _export_invoice_vals(self, invoice):
        # EXTENDS account_edi_ubl_cii
        vals = super()._export_invoice_vals(invoice)
        vals["cabinet"] = None
        if invoice._cabinet_is_facturx_move():
            vals["cabinet"] = self._cabinet_export_vals(invoice, vals)
            vals["document_context_id"] = vals["cabinet"]["profile_urn"]
        return vals

    def _get_exchanged_document_vals(self, invoice):
        # EXTENDS account_edi_ubl_cii
        vals = super()._get_exchanged_document_vals(invoice)
        if invoice._cabinet_is_facturx_move():
            vals.update(self._cabinet_exchanged_document_vals(invoice))
        return vals

    def _export_invoice_constraints(self, invoice, vals):
        # EXTENDS account_edi_ubl_cii
        constraints = super()._export_invoice_constraints(invoice, vals)
        if vals.get("cabinet"):
            # Odoo's German (BR-DE) checks do not apply to French invoices.
            for key in (
                "seller_payment_instructions_1",
                "seller_payment_instructions_2",
                "seller_phone",
                "seller_email",
            ):
                constraints.pop(key, None)
            constraints.update(self._cabinet_export_constraints(invoice, vals))
        return constraints

    # -------------------------------------------------------------------------
    # Values, one hook per block
    # -------------------------------------------------------------------------

    def _cabinet_export_vals(self, invoice, vals):
        """Values of the French CTC blocks of a client company's invoice.

        :return: dict read by the ``cabinet_fullservice`` CII templates
        """
        profile = invoice.cabinet_facturx_profile
        self._cabinet_fix_line_vals(invoice, vals)
        totals = self._cabinet_totals_vals(invoice)
        return {
            "profile": profile,
            "profile_urn": PROFILE_URNS[profile],
            "business_process": self._cabinet_business_process_vals(invoice, totals),
            "seller": self._cabinet_seller_vals(invoice),
            "buyer": self._cabinet_buyer_vals(invoice),
            "ship_to": self._cabinet_ship_to_vals(invoice, vals),
            "invoicer": self._cabinet_invoicer_vals(invoice, profile),
            "tax_currency": self._cabinet_tax_currency_vals(invoice),
            "vat_due_date_type_code": self._cabinet_vat_due_date_type_code(invoice),
            "invoice_references": self._cabinet_invoice_reference_vals(
                invoice, profile
            ),
            **totals,
        }

    def _cabinet_exchanged_document_vals(self, invoice):
        """BT-3 and the BG-1 notes: PMT, PMD, AAB once each (BR-FR-05/06),
        the mandate note naming the cabinet (CGI art. 289-I-2), the VAT on
        debits mention (CGI ann. II art. 242 nonies A) and the BAR note.
        """
        notes = []
        for subject_code, content in self._cabinet_note_vals(invoice):
            if subject_code in UNIQUE_NOTE_CODES and any(
                note["subject_code"] == subject_code for note in notes
            ):
                continue
            if content:
                notes.append({"subject_code": subject_code, "content": content})
        return {
            "type_code": self._cabinet_get_type_code(invoice),
            "included_note_list": notes,
        }

    def _cabinet_get_type_code(self, invoice):
        """BT-3: 386 for a down payment invoice and 503 for a credit note of
        one, flagged or reversing a 386 (RC-18); 380/381 otherwise.
        """
        if invoice.move_type == "out_refund":
            if invoice._cabinet_is_down_payment_document():
                return TYPE_CODE_DOWN_PAYMENT_CREDIT_NOTE
            return TYPE_CODE_CREDIT_NOTE
        if invoice.cabinet_is_down_payment:
            return TYPE_CODE_DOWN_PAYMENT
        return TYPE_CODE_INVOICE

    def _cabinet_note_vals(self, invoice):
        """Ordered (subject code, text) pairs of the invoice notes."""
        company = invoice.company_id
        notes = [
            *invoice._cabinet_get_payment_notes(),
            ("BAR", self._cabinet_get_bar_treatment(invoice)),
        ]
        mandate_note = invoice._cabinet_get_mandate_note()
        if mandate_note:
            # No subject code fits a mandate mention: AAI = general info.
            notes.append(("AAI", mandate_note))
        if company.cabinet_vat_on_debits:
            notes.append(
                ("AAI", "Option pour le paiement de la taxe d'après les débits")
            )
        return notes

    def _cabinet_get_bar_treatment(self, invoice):
        """BAR note value (BR-FR-20/31): B2B for French businesses."""
        buyer = invoice.commercial_partner_id
        if not buyer.cabinet_is_business:
            return "B2C" if buyer.country_code == "FR" else "B2CINT"
        return "B2B" if buyer.country_code == "FR" else "B2BINT"

    def _cabinet_get_operation_category(self, invoice):
        """goods, services or mixed: from the products, else the company."""
        product_types = set(
            invoice.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
            ).product_id.mapped("type")
        )
        if not product_types:
            return invoice.company_id.cabinet_operation_category or "services"
        has_services = "service" in product_types
        has_goods = bool(product_types - {"service"})
        if has_services and has_goods:
            return "mixed"
        return "services" if has_services else "goods"

    def _cabinet_business_process_vals(self, invoice, totals):
        """BT-23 (BR-FR-08): letter of the operation category, 4 for a final
        invoice deducting down payments (RC-18; BR-FR-CO-08 keeps 386/503 out
        of it), 2 when fully paid before its issue (RC-17, BR-FR-CO-09), else 1.
        """
        letter = OPERATION_LETTERS[self._cabinet_get_operation_category(invoice)]
        if invoice.move_type == "out_invoice" and invoice.cabinet_down_payment_ids:
            return f"{letter}4"
        fully_paid = totals["prepaid_amount"] and invoice.currency_id.is_zero(
            totals["due_amount"]
        )
        return f"{letter}{2 if fully_paid else 1}"

    def _cabinet_totals_vals(self, invoice):
        """BT-113 counts only payments dated before the invoice date (RC-17):
        a later payment is not a prepayment and never changes the document.
        """
        prepaid = 0.0
        if invoice.invoice_date:
            partials = invoice._get_all_reconciled_invoice_partials()
            lines = self.env["account.move.line"].browse(
                [partial["aml_id"] for partial in partials]
            )
            dates = {line.id: line.date for line in lines}
            prepaid = sum(
                partial["amount"]
                for partial in partials
                if dates[partial["aml_id"]] < invoice.invoice_date
            )
        prepaid = invoice.currency_id.round(min(prepaid, invoice.amount_total))
        return {
            "prepaid_amount": prepaid,
            "due_amount": invoice.currency_id.round(invoice.amount_total - prepaid),
        }

    def _cabinet_seller_vals(self, invoice):
        """BG-4: SIRET as GlobalID 0009, SIREN as BT-30 (0002, BR-FR-10),
        BT-34 (0225, BR-FR-13), contact from the company settings only: never
        the user generating the file (RC-21).
        """
        company = invoice.company_id
        partner = company.partner_id
        siren = partner._get_siren()
        vat = invoice.fiscal_position_id.foreign_vat or company.vat
        tax_ids = [("VA", vat)] if vat else []
        if not vat and siren:
            # BR-E-02 (seller without VAT number, e.g. franchise en base): the
            # schematron accepts a tax registration id under scheme FC (BT-32);
            # the SIREN is the identifier the French tax office files by.
            tax_ids.append(("FC", siren))
        return self._cabinet_party_vals(
            partner,
            siren=siren,
            siret=partner._get_siret(),
            contact=company.cabinet_invoicing_contact_id,
            uri=company.cabinet_einvoice_address or siren,
            tax_ids=tax_ids,
        )

    def _cabinet_buyer_vals(self, invoice):
        """BG-7: French businesses get BT-47 (0002, BR-FR-11) and a BT-49
        starting with their SIREN (BR-FR-21); others their Peppol address.
        """
        buyer = invoice.commercial_partner_id
        contact = invoice.partner_id if invoice.partner_id != buyer else None
        tax_ids = [("VA", buyer.vat)] if buyer.vat and buyer.vat != "/" else []
        if buyer.country_code == "FR":
            siren = buyer._get_siren()
            return self._cabinet_party_vals(
                buyer,
                siren=siren,
                siret=buyer._get_siret(),
                contact=contact,
                uri=buyer.cabinet_einvoice_address or siren,
                tax_ids=tax_ids,
            )
        vals = self._cabinet_party_vals(buyer, contact=contact, tax_ids=tax_ids)
        if buyer.peppol_eas and buyer.peppol_endpoint:
            vals["uri"] = (buyer.peppol_eas, buyer.peppol_endpoint)
        return vals

    def _cabinet_ship_to_vals(self, invoice, vals):
        """BG-13/15 when the delivery address differs from the buyer's
        (decree 2022-1299: the delivery address is a mention if different),
        and always for an intra-community supply, whose deliver-to country
        BT-80 is mandatory (BR-IC-12): the buyer's address by default.
        """
        shipping = invoice.partner_shipping_id
        buyer = invoice.commercial_partner_id
        fields_ = ("street", "street2", "zip", "city", "country_id")
        if not shipping or all(shipping[name] == buyer[name] for name in fields_):
            if not self._cabinet_has_intra_community_supply(vals):
                return None
            shipping = shipping or buyer
        return {"name": shipping.name or buyer.name, "address": shipping}

    def _cabinet_has_intra_community_supply(self, vals):
        """True when a VAT breakdown (BG-23) is of category K."""
        return any(
            key["tax_category_code"] == "K"
            for key in vals["tax_details"]["tax_details"]
        )

    def _cabinet_invoicer_vals(self, invoice, profile):
        """EXT-FR-FE-115: the cabinet as InvoicerTradeParty, EXTENDED only.
        Never BG-11 (tax representative): the cabinet is not one.
        """
        mandate = invoice.cabinet_mandate_id
        if profile != "extended" or not mandate:
            return None
        firm = mandate.firm_id.partner_id
        return self._cabinet_party_vals(
            firm, siren=firm._get_siren(), siret=firm._get_siret()
        )

    def _cabinet_party_vals(
        self, partner, siren=None, siret=None, contact=None, uri=None, tax_ids=()
    ):
        """A TradeParty, in XSD order once rendered."""
        contact_vals = None
        if contact:
            contact_vals = {
                "name": contact.name,
                "phone": contact.phone,
                "email": contact.email,
            }
        return {
            "global_ids": [("0009", siret)] if siret else [],
            "name": partner.name,
            "legal_id": ("0002", siren) if siren else None,
            "contact": contact_vals,
            "address": partner,
            "uri": ("0225", uri) if uri else None,
            "tax_ids": list(tax_ids),
        }

    def _cabinet_tax_currency_vals(self, invoice):
        """BT-6 and BT-111, only for invoices not in EUR (BR-FR-CO-12; BR-53
        forbids a BT-6 equal to BT-5).
        """
        if invoice.currency_id.name == "EUR":
            return None
        return {
            "code": "EUR",
            "tax_amount": abs(invoice.amount_tax_signed),
        }

    def _cabinet_vat_due_date_type_code(self, invoice):
        """BT-8: VAT due on the invoice date when the company opted for VAT
        on debits or sells goods, on payment for services otherwise.
        """
        category = self._cabinet_get_operation_category(invoice)
        if invoice.company_id.cabinet_vat_on_debits or category == "goods":
            return VAT_DUE_ON_INVOICE
        return VAT_DUE_ON_PAYMENT

    def _cabinet_invoice_reference_vals(self, invoice, profile):
        """BG-3, one per document: the invoice a credit note corrects
        (BR-FR-CO-05), or each down payment a final invoice deducts (RC-18).

        :return: list of dicts with BT-25 ``id``, BT-26 ``date`` and the
            ``type_code`` of the document, EXTENDED only (see
            ``REFERENCED_TYPE_CODES_EXTENDED``)
        """
        if invoice.move_type == "out_refund":
            documents = invoice.reversed_entry_id
        else:
            documents = invoice.cabinet_down_payment_ids.sorted(
                lambda move: (move.invoice_date, move.id)
            )
        references = []
        for document in documents:
            type_code = self._cabinet_get_type_code(document)
            if profile != "extended" or type_code not in REFERENCED_TYPE_CODES_EXTENDED:
                type_code = None
            references.append(
                {
                    "id": document.name,
                    "date": document.invoice_date,
                    "type_code": type_code,
                }
            )
        return references

    def _cabinet_fix_line_vals(self, invoice, vals):
        """Unit prices with up to 6 decimals (BR-FR-DEC-03) instead of
        Odoo's 2: 3.335 stays 3.335 (RC-01). Line totals stay the booked
        subtotals, rounded half-up by the tax engine, as on the PDF.
        Quantities with at most 4 decimals (BR-FR-DEC-02).
        """
        for line_vals in vals["invoice_line_vals_list"]:
            line = line_vals["line"]
            # BT-129 with at most 4 decimals (BR-FR-DEC-02): no float noise
            # such as 100.0000000000001 from a converted unit of measure.
            line_vals["quantity"] = round(line_vals["quantity"], 4)
            if line.tax_ids.filtered("price_include") or not line.quantity:
                continue
            if line_vals["allowance_charge_vals_list"]:
                continue  # fixed taxes as line charges: keep Odoo's values
            price = Decimal(repr(line.price_unit))
            net = price * (1 - Decimal(repr(line.discount)) / 100)
            line_vals["cabinet_net_price"] = _format_price(abs(net))
            line_vals["cabinet_gross_price"] = _format_price(abs(price))
            line_vals["quantity"] = round(line.quantity, 4) * (-1 if net < 0 else 1)
        self._cabinet_fix_tax_basis_vals(vals)

    def _cabinet_fix_tax_basis_vals(self, vals):
        """BT-116 per VAT breakdown and BT-106/BT-109 as sums of the line
        totals printed (BR-CO-10, BR-S-08), never an aggregate of unrounded
        amounts (RC-01).
        """
        tax_details = vals["tax_details"]
        bases = dict.fromkeys(tax_details["tax_details"], Decimal(0))
        total = Decimal(0)
        for line_vals in vals["invoice_line_vals_list"]:
            amount = Decimal(repr(line_vals["line_total_amount"]))
            total += amount
            per_line = tax_details["tax_details_per_record"][line_vals["line"]]
            for key in per_line["tax_details"]:
                if key in bases:
                    bases[key] += amount
        for key, base in bases.items():
            tax_details["tax_details"][key]["base_amount_currency"] = float(base)
        vals["tax_basis_total_amount"] = float(total)

    # -------------------------------------------------------------------------
    # Constraints
    # -------------------------------------------------------------------------

    def _cabinet_export_constraints(self, invoice, vals):
        """Blocking checks of the French CTC rules we cannot express in XML."""
        cabinet = vals["cabinet"]
        constraints = {
            "cabinet_document_number": invoice._cabinet_check_document_number(
                invoice.name
            ),
            "cabinet_exemption_reasons": self._cabinet_check_exemption_reasons(
                vals, cabinet["profile"]
            ),
        }
        if not cabinet["seller"]["legal_id"]:
            constraints["cabinet_seller_siren"] = self.env._(
                "The SIREN of %(company)s is missing (BT-30, BR-FR-10).",
                company=invoice.company_id.name,
            )
        return constraints

    def _cabinet_check_exemption_reasons(self, vals, profile):
        """RC-09: EN 16931 allows one VAT breakdown per category (BR-E-01),
        so two exemption reasons under E cannot be expressed: block rather
        than merge them. EXTENDED keeps one breakdown per reason.
        """
        if profile != "en16931":
            return None
        reasons = {
            (key.get("tax_exemption_reason_code"), key.get("tax_exemption_reason"))
            for key in vals["tax_details"]["tax_details"]
            if key["tax_category_code"] == "E"
        }
        if len(reasons) < 2:
            return None
        return self.env._(
            "This invoice has %(count)s different VAT exemption reasons under "
            "category E (%(reasons)s). The EN 16931 profile accepts one "
            "exemption reason per invoice: split the invoice, or issue it in "
            "the EXTENDED profile (billing mandate with the cabinet as "
            "invoicer).",
            count=len(reasons),
            reasons=", ".join(sorted(code or text or "" for code, text in reasons)),
        )


def _format_price(value):
    """A unit price with 2 to 6 decimals (BR-FR-DEC-03), no float noise."""
    value = value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP).normalize()
    if -value.as_tuple().exponent < 2:
        value = value.quantize(Decimal("0.01"))
    return f"{value:f}"
