import base64
import logging

from odoo import Command, fields, models
from odoo.exceptions import UserError

from ..tools import draft_sheet
from .cabinet_import_mixin import clean_siren, clean_siret, clean_vat

_logger = logging.getLogger(__name__)

MAX_LISTED_ERRORS = 20
# French VAT rates (CGI art. 278 to 281 nonies, 296 for the DOM).
FRENCH_VAT_RATES = {20.0, 10.0, 8.5, 5.5, 2.1, 1.05, 0.0}
MOVE_TYPES = {"": "out_invoice", "invoice": "out_invoice", "credit_note": "out_refund"}
HEADER_KEYS = ("move_type", "invoice_date", "due_date", "currency", "partner_key")


class CabinetDraftImport(models.TransientModel):
    _name = "cabinet.draft.import"
    _inherit = "cabinet.import.mixin"
    _description = "Import Draft Invoices from a Spreadsheet"

    file = fields.Binary(string="Spreadsheet", required=True)
    filename = fields.Char(string="File Name")

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_import(self):
        """Create the draft invoices of the spreadsheet, all or nothing.

        Every row is checked first; one error anywhere creates nothing and
        lists every problem (row, column, value, what to fix).

        :return: an action listing the drafts created
        """
        self.ensure_one()
        moves = self._cabinet_import_raw(base64.b64decode(self.file), self.filename)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Imported Drafts"),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", moves.ids)],
            "context": {"allowed_company_ids": moves.company_id.ids},
        }

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_import_raw(self, raw, filename):
        """Check then create; return the draft moves."""
        try:
            __, rows = draft_sheet.read_rows(raw, filename)
        except draft_sheet.SheetError as error:
            raise UserError(self._cabinet_sheet_error_message(error)) from error
        invoices, errors = self._cabinet_check_rows(rows)
        if errors:
            raise UserError(self._cabinet_format_errors(errors))
        if not invoices:
            raise UserError(self.env._("The spreadsheet has no invoice line."))
        with self.env.cr.savepoint():
            moves = self._cabinet_create_drafts(invoices)
        _logger.info("Draft import: %s drafts from %s rows", len(moves), len(rows))
        return moves

    def _cabinet_sheet_error_message(self, error):
        if error.code == "missing_columns":
            return self.env._(
                "The spreadsheet lacks the columns %(columns)s. Start from the "
                "template draft_invoices_template.csv.",
                columns=error.detail,
            )
        return self.env._(
            "The file cannot be read as a CSV or XLSX spreadsheet (%(detail)s).",
            detail=error.detail,
        )

    def _cabinet_format_errors(self, errors):
        listed = [
            self.env._(
                "Row %(row)s, column %(column)s, value '%(value)s': %(hint)s",
                row=row,
                column=column,
                value=value,
                hint=hint,
            )
            for row, column, value, hint in errors[:MAX_LISTED_ERRORS]
        ]
        if len(errors) > MAX_LISTED_ERRORS:
            listed.append(
                self.env._(
                    "... and %(count)s more problems.",
                    count=len(errors) - MAX_LISTED_ERRORS,
                )
            )
        return self.env._(
            "Nothing was imported: %(count)s problems to fix in the "
            "spreadsheet.\n%(lines)s",
            count=len(errors),
            lines="\n".join(listed),
        )

    def _cabinet_check_rows(self, rows):
        """Check every row and group valid ones by client and invoice_ref.

        :return: (invoices, errors): invoices are dicts with company, header,
            customer and lines; errors are (row, column, value, hint) tuples
        """
        groups = {}
        errors = []
        cache = {}
        for number, values in rows:
            row_errors, parsed = self._cabinet_check_row(values, cache)
            errors += [(number, *error) for error in row_errors]
            if row_errors:
                continue
            key = (parsed["company"].id, parsed["invoice_ref"])
            group = groups.setdefault(key, {**parsed, "lines": [], "row": number})
            if any(group[name] != parsed[name] for name in HEADER_KEYS):
                errors.append(self._cabinet_header_conflict(number, group))
                continue
            group["lines"].append(parsed["line"])
        return list(groups.values()), errors

    def _cabinet_header_conflict(self, number, group):
        return (
            number,
            "invoice_ref",
            group["invoice_ref"],
            self.env._(
                "the rows of one invoice must share type, dates, currency and "
                "customer; they differ from row %(row)s.",
                row=group["row"],
            ),
        )

    def _cabinet_check_row(self, values, cache):
        """Check one row.

        :return: (errors, parsed): errors as (column, value, hint) tuples
        """
        text = {key: draft_sheet.cell_text(value) for key, value in values.items()}
        errors = []
        company = self._cabinet_check_client(text, errors, cache)
        parsed = {
            "company": company,
            "invoice_ref": text.get("invoice_ref", ""),
            **self._cabinet_check_header(values, text, errors),
            **self._cabinet_check_customer(text, errors),
        }
        if not parsed["invoice_ref"]:
            errors.append(("invoice_ref", "", self.env._("give the invoice number.")))
        parsed["line"] = self._cabinet_check_line(values, text, company, errors, cache)
        return errors, parsed

    def _cabinet_check_client(self, text, errors, cache):
        value = text.get("client_siren", "")
        siren = clean_siren(value)
        if siren not in cache:
            company, accessible = self._cabinet_get_client_company(siren=siren)
            # A client sending its own spreadsheet from the portal may only
            # import into its own company, whatever the SIREN column says.
            only_company_id = self.env.context.get("cabinet_import_company_id")
            if only_company_id:
                accessible = company.id == only_company_id
            cache[siren] = company.with_env(self.env) if accessible else None
        if not siren or not cache[siren]:
            errors.append(
                (
                    "client_siren",
                    value,
                    self.env._(
                        "no client company you are assigned to has this SIREN "
                        "(9 digits)."
                    ),
                )
            )
            return self.env["res.company"]
        return cache[siren]

    def _cabinet_check_header(self, values, text, errors):
        move_type = MOVE_TYPES.get(text.get("move_type", "").lower())
        if not move_type:
            errors.append(
                (
                    "move_type",
                    text["move_type"],
                    self.env._("use invoice or credit_note."),
                )
            )
        invoice_date = draft_sheet.parse_date(values.get("invoice_date"))
        if not invoice_date:
            errors.append(
                (
                    "invoice_date",
                    text.get("invoice_date", ""),
                    self.env._("write the date as YYYY-MM-DD or DD/MM/YYYY."),
                )
            )
        due_date = None
        if text.get("due_date"):
            due_date = draft_sheet.parse_date(values["due_date"])
            # CO-07: the due date cannot precede the issue date.
            if not due_date or (invoice_date and due_date < invoice_date):
                errors.append(
                    (
                        "due_date",
                        text["due_date"],
                        self.env._(
                            "write a date (YYYY-MM-DD or DD/MM/YYYY) on or after "
                            "the invoice date."
                        ),
                    )
                )
        currency = self._cabinet_check_currency(text, errors)
        return {
            "move_type": move_type,
            "invoice_date": invoice_date,
            "due_date": due_date,
            "currency": currency,
        }

    def _cabinet_check_currency(self, text, errors):
        code = text.get("currency", "").upper()
        if not code:
            return self.env["res.currency"]
        currency = self.env["res.currency"].search([("name", "=", code)], limit=1)
        if not currency:
            errors.append(
                (
                    "currency",
                    code,
                    self.env._("use an active ISO 4217 code such as EUR."),
                )
            )
        return currency

    def _cabinet_check_customer(self, text, errors):
        siret_text = text.get("customer_siret", "")
        vat_text = text.get("customer_vat", "")
        siret = clean_siret(siret_text)
        siren = clean_siren(siret_text) if len(siret_text) == 9 else siret[:9]
        vat = clean_vat(vat_text)
        if siret_text and not (siret or siren):
            errors.append(
                (
                    "customer_siret",
                    siret_text,
                    self.env._("give a valid SIRET (14 digits) or SIREN (9 digits)."),
                )
            )
        if vat_text and not vat:
            errors.append(
                (
                    "customer_vat",
                    vat_text,
                    self.env._("give a valid EU VAT number such as FR14987654324."),
                )
            )
        if not text.get("customer_name"):
            errors.append(
                ("customer_name", "", self.env._("give the customer's name."))
            )
        customer = {
            "name": text.get("customer_name", ""),
            "siret": siret,
            "siren": siren,
            "vat": vat,
            "street": text.get("customer_street"),
            "zip": text.get("customer_zip"),
            "city": text.get("customer_city"),
            "country": text.get("customer_country") or "FR",
            "email": text.get("customer_email"),
        }
        partner_key = (siret or siren, vat, customer["name"])
        return {"customer": customer, "partner_key": partner_key}

    def _cabinet_check_line(self, values, text, company, errors, cache):
        quantity = draft_sheet.parse_decimal(values.get("quantity"))
        price = draft_sheet.parse_decimal(values.get("unit_price"))
        for column, number in (("quantity", quantity), ("unit_price", price)):
            if number is None:
                errors.append(
                    (
                        column,
                        text.get(column, ""),
                        self.env._("write a number, e.g. 12,50 or 12.50."),
                    )
                )
        if not text.get("line_description"):
            errors.append(("line_description", "", self.env._("describe the line.")))
        tax = self._cabinet_check_tax(values, text, company, errors, cache)
        return {
            "name": text.get("line_description", ""),
            "quantity": float(quantity or 0),
            "price_unit": float(price or 0),
            "tax": tax,
        }

    def _cabinet_check_tax(self, values, text, company, errors, cache):
        rate = draft_sheet.parse_decimal(values.get("vat_rate"))
        reason = text.get("vat_exemption_reason", "").upper()
        if rate is None or float(rate) not in FRENCH_VAT_RATES:
            errors.append(
                (
                    "vat_rate",
                    text.get("vat_rate", ""),
                    self.env._("use a French VAT rate: 20, 10, 5.5, 2.1 or 0."),
                )
            )
            return self.env["account.tax"]
        # BR-E-10 / BR-IC-10 / BR-G-10: a 0 % line needs its exemption reason.
        if not rate and not reason:
            errors.append(
                (
                    "vat_exemption_reason",
                    "",
                    self.env._(
                        "a zero-rated line needs a VATEX code, e.g. VATEX-EU-IC "
                        "or VATEX-EU-G."
                    ),
                )
            )
            return self.env["account.tax"]
        if not company:
            return self.env["account.tax"]
        key = (company.id, float(rate), reason)
        if key not in cache:
            cache[key] = self.env["account.tax"]._cabinet_get_sale_tax(
                company, rate, category="S" if rate else None, exemption=reason
            )
        if not cache[key]:
            errors.append(
                (
                    "vat_rate",
                    text.get("vat_rate", ""),
                    self.env._(
                        "%(company)s has no sale tax for this rate and exemption "
                        "reason.",
                        company=company.name,
                    ),
                )
            )
        return cache[key]

    def _cabinet_create_drafts(self, invoices):
        moves = self.env["account.move"]
        partners = {}
        for invoice in invoices:
            company = invoice["company"]
            key = (company.id, invoice["partner_key"])
            if key not in partners:
                partners[key] = self._cabinet_get_customer(company, invoice)
            vals = self._prepare_draft_vals(invoice, partners[key])
            moves |= self.env["account.move"].with_company(company).create(vals)
        # Archived French reduced rates become usable once a client needs one.
        moves.invoice_line_ids.tax_ids.filtered(
            lambda tax: not tax.active
        ).sudo().active = True
        return moves

    def _cabinet_get_customer(self, company, invoice):
        customer = invoice["customer"]
        partner = self._cabinet_find_customer(
            company, customer["siret"], customer["siren"], customer["vat"]
        )
        if not partner and not (customer["siren"] or customer["vat"]):
            partner = self.env["res.partner"].search(
                [
                    ("company_id", "in", [False, company.id]),
                    ("name", "=", customer["name"]),
                ],
                limit=1,
            )
        return partner or self.env["res.partner"].create(
            self._cabinet_prepare_customer_vals(company, customer)
        )

    def _prepare_draft_vals(self, invoice, partner):
        """Values of one draft; override to add fields from extra columns."""
        company = invoice["company"]
        journal = self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(company),
                ("type", "=", "sale"),
            ],
            limit=1,
        )
        vals = {
            "move_type": invoice["move_type"],
            "company_id": company.id,
            "journal_id": journal.id,
            "partner_id": partner.id,
            "ref": invoice["invoice_ref"],
            "invoice_date": invoice["invoice_date"],
            "currency_id": (invoice["currency"] or company.currency_id).id,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": line["name"],
                        "quantity": line["quantity"],
                        "price_unit": line["price_unit"],
                        "tax_ids": [Command.set(line["tax"].ids)],
                    }
                )
                for line in invoice["lines"]
            ],
        }
        # Without a due date, Odoo derives it from the payment terms.
        if invoice["due_date"]:
            vals["invoice_date_due"] = invoice["due_date"]
        return vals
