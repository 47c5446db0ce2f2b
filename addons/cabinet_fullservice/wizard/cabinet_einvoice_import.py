import base64
import logging
from decimal import Decimal

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import escape_psql

from ..tools import einvoice_reader, vat_rates
from .cabinet_import_mixin import clean_siren, clean_siret, clean_vat

_logger = logging.getLogger(__name__)

# Countries of the EU VAT territory; the French overseas departments are
# outside it (CGI art. 294), so a 0 % MINIMUM to them is an export.
EU_VAT_COUNTRIES = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR",
    "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI",
    "SK",
}  # fmt: skip


class CabinetEinvoiceImport(models.TransientModel):
    _name = "cabinet.einvoice.import"
    _inherit = "cabinet.import.mixin"
    _description = "Import an E-invoice as a Draft"

    file = fields.Binary(string="E-invoice", required=True)
    filename = fields.Char(string="File Name")
    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Client Company",
        domain=lambda self: self._get_company_domain(),
        help="The client company the draft is created in, as its issuer. "
        "Proposed from the seller's SIREN, SIRET or VAT number in the file; "
        "required when no client matches. When the file's seller differs, "
        "the seller data comes from this client's dossier and the difference "
        "is noted on the draft.",
    )
    vat_breakdown_required = fields.Boolean(
        string="VAT Breakdown Required",
        readonly=True,
        help="The file is a Factur-X MINIMUM whose VAT total is split over "
        "several rates it does not give.",
    )
    vat_breakdown_ids = fields.One2many(
        comodel_name="cabinet.einvoice.import.vat",
        inverse_name="wizard_id",
        string="VAT Breakdown",
        help="For a MINIMUM file with VAT at several rates: the taxable "
        "amount per rate, as printed on the invoice. It must give the file's "
        "taxable total (BT-109) and VAT total (BT-110) to the cent.",
    )

    def _get_company_domain(self):
        return [
            ("cabinet_is_client", "=", True),
            ("id", "in", self.env.user.company_ids.ids),
        ]

    # -------------------------------------------------------------------------
    # Onchange Methods
    # -------------------------------------------------------------------------

    @api.onchange("file")
    def _onchange_file(self):
        # Propose the client whose identifiers are the file's seller's and
        # ask for the VAT breakdown a MINIMUM lacks; an unreadable file is
        # reported by action_import, not here.
        if not self.file:
            return
        try:
            facts = self._cabinet_read_file(base64.b64decode(self.file))[2]
        except UserError:
            return
        self.vat_breakdown_required = self._cabinet_is_minimum_without_rate(facts)
        if self.company_id:
            return
        company, accessible = self._cabinet_match_seller(facts)
        if accessible:
            self.company_id = company

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_import(self):
        """Import the Factur-X PDF, CII or UBL file as a draft of the chosen
        client company (by default the client matching the file's seller),
        completed from the client's dossier.

        All or nothing: an unreadable or inconsistent file, or a client the
        user does not work on, raises and creates nothing.

        :return: an action opening the draft
        """
        self.ensure_one()
        raw = base64.b64decode(self.file)
        move = self._cabinet_import_raw(raw, self.filename or "e-invoice")
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": move.id,
            "view_mode": "form",
            "context": {"allowed_company_ids": [move.company_id.id]},
        }

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_import_raw(self, raw, filename):
        """Read, check and import ``raw``; return the draft move."""
        xml_bytes, root, facts = self._cabinet_read_file(raw)
        line_checks = self._cabinet_check_facts(facts)
        company = self._cabinet_get_target_company(facts)
        with self.env.cr.savepoint():
            tax_notes = self._cabinet_prepare_taxes(company, facts)
            move = self._cabinet_create_draft(company, xml_bytes, root, facts)
            self._cabinet_complete_from_dossier(move, facts)
            self._cabinet_post_import_notes(move, facts, line_checks, tax_notes)
            self._cabinet_check_totals(move, facts)
            self._cabinet_attach_original(move, raw, filename)
        _logger.info("E-invoice %s imported as draft move %s", filename, move.id)
        return move

    def _cabinet_read_file(self, raw):
        try:
            xml_bytes = einvoice_reader.extract_xml(raw)
            root = einvoice_reader.parse_xml(xml_bytes)
            facts = einvoice_reader.read_facts(root)
        except einvoice_reader.EinvoiceReadError as error:
            raise UserError(self._cabinet_read_error_message(error)) from error
        return xml_bytes, root, facts

    def _cabinet_read_error_message(self, error):
        messages = {
            "pdf_unreadable": self.env._(
                "The PDF cannot be read (%(detail)s).", detail=error.detail
            ),
            "pdf_without_xml": self.env._(
                "The PDF holds no factur-x.xml or ZUGFeRD invoice: it is not an "
                "e-invoice. Embedded files: %(detail)s.",
                detail=error.detail or "-",
            ),
            "xml_syntax": self.env._(
                "The invoice XML is not well-formed: %(detail)s. Ask the client "
                "for a corrected file from its invoicing tool.",
                detail=error.detail,
            ),
            "unknown_syntax": self.env._(
                "The XML is neither a CII (Factur-X) nor a UBL invoice (root "
                "element %(detail)s).",
                detail=error.detail,
            ),
            "bad_number": self.env._(
                "The invoice holds an amount that is not a number: %(detail)s.",
                detail=error.detail,
            ),
        }
        return messages[error.code]

    def _cabinet_check_facts(self, facts):
        """Refuse files whose figures cannot be re-issued as they are.

        :return: the LineCheck of every line (see einvoice_reader.check_line)
        """
        line_checks = einvoice_reader.check_lines(facts)
        problems = [
            self._cabinet_line_problem(check)
            for check in line_checks
            if check.reading is None
        ]
        if self._cabinet_is_minimum_without_rate(facts):
            if self.vat_breakdown_ids:
                problems += self._cabinet_use_entered_breakdown(facts)
            else:
                problems.append(self._cabinet_minimum_problem(facts))
        elif self.vat_breakdown_ids:
            problems.append(
                self.env._(
                    "The file gives its own VAT (breakdown or single rate): "
                    "remove the VAT breakdown entered in the import form."
                )
            )
        if problems:
            raise UserError(
                self.env._(
                    "Invoice %(number)s cannot be imported:\n%(problems)s",
                    number=facts.number,
                    problems="\n".join(problems),
                )
            )
        return line_checks

    def _cabinet_line_problem(self, check):
        line = check.line
        return self.env._(
            "Line %(line)s: quantity x net price gives %(computed)s but the line "
            "net amount is %(amount)s (EN 16931: BT-131 = BT-129 x BT-146 / "
            "BT-149 + charges - allowances). Check the unit price.",
            line=line.line_id,
            computed=check.computed,
            amount=line.line_total,
        )

    def _cabinet_is_minimum_without_rate(self, facts):
        # A MINIMUM gives no VAT breakdown (BG-23): its VAT can only be
        # re-issued when one French rate alone gives the VAT total (BT-110)
        # on the basis (BT-109).
        return bool(
            facts.profile == einvoice_reader.PROFILE_MINIMUM
            and facts.tax_total
            and not facts.vat_breakdowns
            and not self._cabinet_get_minimum_rate(facts)
        )

    def _cabinet_get_minimum_rate(self, facts):
        """The single French rate giving BT-110 on BT-109, else None."""
        basis = facts.tax_basis_total or Decimal(0)
        rates = [
            rate
            for rate in vat_rates.BR_FR_16_RATES
            if rate and vat_rates.vat_amount(basis, rate) == facts.tax_total
        ]
        return rates[0] if len(rates) == 1 else None

    def _cabinet_minimum_problem(self, facts):
        basis = facts.tax_basis_total or Decimal(0)
        rate = (facts.tax_total * 100 / basis) if basis else Decimal(0)
        return self.env._(
            "The file is a Factur-X MINIMUM with %(tax)s of VAT on a basis of "
            "%(basis)s and no VAT breakdown (BG-23): %(rate)s %% is not a "
            "French VAT rate, so the VAT is split over several rates the file "
            "does not give. Enter the taxable amount per VAT rate printed on "
            "invoice %(number)s in the VAT Breakdown of the import form, or ask "
            "the client for its BASIC WL, BASIC or EN 16931 version, which "
            "gives the VAT per rate.",
            tax=facts.tax_total,
            basis=basis,
            rate=rate.quantize(einvoice_reader.CENT),
            number=facts.number,
        )

    def _cabinet_use_entered_breakdown(self, facts):
        """Check the VAT breakdown the user entered for a MINIMUM and, when
        it gives the file's totals, make it the file's breakdown (BG-23).

        :return: list of problems, empty when the breakdown is usable
        """
        problems = []
        breakdowns = []
        for entry in self.vat_breakdown_ids:
            rate = Decimal(vat_rates.format_rate(entry.rate))
            if not vat_rates.is_french_rate(rate) or not rate:
                problems.append(
                    self.env._(
                        "VAT breakdown: %(rate)s %% is not a French VAT rate "
                        "(BR-FR-16); use 20, 10, 5.5 or 2.1 %%.",
                        rate=vat_rates.format_rate(rate),
                    )
                )
                continue
            basis = Decimal(f"{entry.basis:.2f}")
            breakdowns.append(
                einvoice_reader.VatBreakdown(
                    category="S",
                    rate=rate,
                    basis=basis,
                    amount=vat_rates.vat_amount(basis, rate),
                )
            )
        rates = [breakdown.rate for breakdown in breakdowns]
        if len(set(rates)) != len(rates):
            problems.append(
                self.env._("VAT breakdown: enter each rate once, with its total.")
            )
        if problems:
            return problems
        basis = sum((breakdown.basis for breakdown in breakdowns), Decimal(0))
        tax = sum((breakdown.amount for breakdown in breakdowns), Decimal(0))
        if basis != facts.tax_basis_total or tax != facts.tax_total:
            return [
                self.env._(
                    "The VAT breakdown entered gives a taxable amount of "
                    "%(basis)s and VAT of %(tax)s, but the file says %(f_basis)s "
                    "(BT-109) and %(f_tax)s (BT-110). Correct the amounts per "
                    "rate as printed on the invoice.",
                    basis=basis,
                    tax=tax,
                    f_basis=facts.tax_basis_total,
                    f_tax=facts.tax_total,
                )
            ]
        facts.vat_breakdowns = breakdowns
        return []

    def _cabinet_match_seller(self, facts):
        """The client company whose SIREN or VAT number is the seller's.

        :return: (company, accessible), as _cabinet_get_client_company
        """
        sirens = [clean_siren(value) for __, value in facts.seller_legal_ids]
        siren = next((value for value in sirens if value), "")
        return self._cabinet_get_client_company(siren, clean_vat(facts.seller_vat))

    def _cabinet_get_target_company(self, facts):
        """The chosen client company, else the client matching the seller.

        The user must work on the company (assigned collaborator).
        """
        company = self.company_id
        if not company:
            company, __ = self._cabinet_match_seller(facts)
        if not company:
            raise UserError(
                self.env._(
                    "The seller %(seller)s (VAT %(vat)s) of invoice %(number)s "
                    "is none of the cabinet's client companies. Choose the "
                    "client company to import it into.",
                    seller=facts.seller_name or "-",
                    vat=facts.seller_vat or "-",
                    number=facts.number,
                )
            )
        if not company.cabinet_is_client or company not in self.env.user.company_ids:
            raise UserError(
                self.env._(
                    "%(company)s is not a client company you are assigned to. "
                    "Ask a manager to assign you to its dossier.",
                    company=company.sudo().name,
                )
            )
        return company

    def _cabinet_prepare_taxes(self, company, facts):
        """Make a sale tax available for every VAT rate of the file (BG-23).

        The French chart ships some French rates archived: they are
        activated. A rate the company has no tax for (a foreign rate, most
        often) gets a tax of its own, so that the draft gives the file's
        totals; such a rate fails BR-FR-16 and the validation gate blocks
        the invoice until the lines are corrected.

        :return: list of chatter notes on the taxes created
        """
        notes = []
        Tax = self.env["account.tax"]
        for breakdown in facts.vat_breakdowns:
            tax = Tax._cabinet_get_sale_tax(
                company, breakdown.rate, category=breakdown.category
            )
            if tax and not tax.active:
                tax.sudo().active = True
            elif not tax:
                tax = self._cabinet_create_imported_tax(company, breakdown)
                notes.append(self._cabinet_imported_tax_note(tax, breakdown))
        return notes

    def _cabinet_create_imported_tax(self, company, breakdown):
        # Built on the company's standard 20 % sale tax (accounts, tax group);
        # taxes are managed by accountants, hence sudo for a collaborator.
        template = self.env["account.tax"]._cabinet_get_sale_tax(
            company, 20, category="S"
        )
        if not template:
            raise UserError(self._cabinet_missing_tax_message(company, breakdown))
        return (
            template.sudo()
            .copy(
                {
                    "name": self.env._(
                        "Imported VAT %(category)s %(rate)s%%",
                        category=breakdown.category,
                        rate=vat_rates.format_rate(breakdown.rate),
                    ),
                    "amount": float(breakdown.rate),
                    "invoice_label": f"{vat_rates.format_rate(breakdown.rate)}%",
                    "ubl_cii_tax_category_code": breakdown.category,
                    "ubl_cii_tax_exemption_reason_code": False,
                    "active": True,
                }
            )
            .sudo(False)
        )

    def _cabinet_imported_tax_note(self, tax, breakdown):
        if vat_rates.is_french_rate(breakdown.rate):
            return self.env._(
                "The sale tax %(tax)s was created for the VAT category "
                "%(category)s at %(rate)s %% of the file.",
                tax=tax.name,
                category=breakdown.category,
                rate=vat_rates.format_rate(breakdown.rate),
            )
        return self.env._(
            "The sale tax %(tax)s was created for the rate %(rate)s %% of the "
            "file, which is not a French VAT rate: the validation gate will "
            "block the invoice (BR-FR-16) until its lines use a French rate "
            "(Apply French VAT on the draft).",
            tax=tax.name,
            rate=vat_rates.format_rate(breakdown.rate),
        )

    def _cabinet_get_buyer(self, company, facts):
        """Find or create the buyer among the client company's customers."""
        legal_ids = [value for __, value in facts.buyer_legal_ids]
        siret = next(filter(None, map(clean_siret, legal_ids)), "")
        siren = next(filter(None, map(clean_siren, legal_ids)), "")
        vat = clean_vat(facts.buyer_vat)
        partner = self._cabinet_find_customer(company, siret, siren, vat)
        if not partner and not (siret or siren or vat):
            partner = self._cabinet_find_customer_by_name(company, facts)
        if partner:
            return partner
        # An invalid SIRET (bad checksum, as in the FNFE 2017 examples) is
        # not stored; its valid SIREN still identifies the buyer (BT-47).
        values = {
            "name": facts.buyer_name,
            "siret": siret,
            "siren": siren,
            "vat": vat,
            "country": facts.buyer_country,
        }
        return self.env["res.partner"].create(
            self._cabinet_prepare_customer_vals(company, values)
        )

    def _cabinet_find_customer_by_name(self, company, facts):
        """A file naming its buyer by name only (no SIREN, SIRET or VAT
        number) is matched to the dossier customer of that exact name and
        country, so that the draft takes what the dossier knows of it (its
        electronic address BT-49, say). Two such customers match none.
        """
        if not facts.buyer_name:
            return self.env["res.partner"]
        country = (facts.buyer_country or "FR").upper()
        partners = (
            self.env["res.partner"]
            .with_company(company)
            .search(
                [
                    ("company_id", "in", [False, company.id]),
                    ("parent_id", "=", False),
                    ("name", "=ilike", escape_psql(facts.buyer_name.strip())),
                    ("country_id.code", "=", country),
                ],
                limit=2,
            )
        )
        return partners if len(partners) == 1 else partners.browse()

    def _cabinet_create_draft(self, company, xml_bytes, root, facts):
        """Create the draft with Odoo's CII/UBL importer, in ``company``."""
        buyer = self._cabinet_get_buyer(company, facts)
        Move = (
            self.env["account.move"]
            .with_company(company)
            .with_context(
                cabinet_einvoice_import=True, cabinet_import_partner_id=buyer.id
            )
        )
        journal = Move.env["account.journal"].search(
            [*Move._check_company_domain(company), ("type", "=", "sale")], limit=1
        )
        move = Move.create({"move_type": "out_invoice", "journal_id": journal.id})
        file_data = {
            "name": "factur-x.xml",
            "raw": xml_bytes,
            "xml_tree": root,
            "mimetype": "application/xml",
            "attachment": None,
            "origin_attachment": None,
        }
        decoder = Move.env[Move._get_import_file_type(file_data)]
        reason = decoder._import_invoice_ubl_cii(move, file_data, new=True)
        if reason or not move.move_type.startswith("out_"):
            raise UserError(
                self.env._(
                    "Odoo could not read invoice %(number)s: %(reason)s",
                    number=facts.number,
                    reason=reason or facts.type_code,
                )
            )
        if not move.invoice_line_ids and facts.has_no_lines_by_design:
            self._cabinet_add_breakdown_lines(move, facts)
        move.partner_id = buyer
        return move

    def _cabinet_add_breakdown_lines(self, move, facts):
        """MINIMUM and BASIC WL have no lines: one line per VAT breakdown
        (BG-23), or for a MINIMUM one line at the single French rate that
        gives its VAT total (0 % when it has no VAT).
        """
        sign = -1 if (facts.tax_basis_total or 0) < 0 else 1
        lines = []
        for breakdown in self._cabinet_get_breakdowns(facts):
            tax = self.env["account.tax"]._cabinet_get_sale_tax(
                move.company_id, breakdown.rate, category=breakdown.category
            )
            if not tax:
                raise UserError(
                    self._cabinet_missing_tax_message(move.company_id, breakdown)
                )
            if not tax.active:
                tax.sudo().active = True
            lines.append(
                Command.create(
                    {
                        "name": self.env._(
                            "Invoice %(number)s, VAT %(category)s %(rate)s %%",
                            number=facts.number,
                            category=breakdown.category,
                            rate=vat_rates.format_rate(breakdown.rate),
                        ),
                        "quantity": 1,
                        "price_unit": float(breakdown.basis * sign),
                        "tax_ids": [Command.set(tax.ids)],
                    }
                )
            )
        move.write({"invoice_line_ids": lines})

    def _cabinet_get_breakdowns(self, facts):
        """The VAT breakdowns of the file, or the one a MINIMUM implies."""
        if facts.vat_breakdowns:
            return facts.vat_breakdowns
        basis = facts.tax_basis_total or Decimal(0)
        if facts.tax_total:
            rate, category = self._cabinet_get_minimum_rate(facts), "S"
        else:
            rate, category = Decimal(0), self._cabinet_guess_zero_category(facts)
        return [
            einvoice_reader.VatBreakdown(
                category=category,
                rate=rate,
                basis=basis,
                amount=facts.tax_total or Decimal(0),
            )
        ]

    def _cabinet_guess_zero_category(self, facts):
        # A MINIMUM carries no category: with no VAT at all, a buyer in
        # another EU state is intra-community (K), anyone outside the EU VAT
        # territory (DOM included) is an export (G). Logged on the draft.
        country = (facts.buyer_country or "FR").upper()
        if country == "FR":
            return "E"
        return "K" if country in EU_VAT_COUNTRIES else "G"

    def _cabinet_missing_tax_message(self, company, breakdown):
        return self.env._(
            "%(company)s has no sale tax of %(rate)s %% with VAT category "
            "%(category)s. Add it to the chart of accounts, then import again.",
            company=company.name,
            rate=breakdown.rate,
            category=breakdown.category,
        )

    def _cabinet_complete_from_dossier(self, move, facts):
        """Fill what the old tool left out from the client's dossier."""
        archived = move.invoice_line_ids.tax_ids.filtered(lambda tax: not tax.active)
        if archived:
            # The French chart ships the reduced rates archived; the client
            # uses them, so they become available in its company.
            archived.sudo().active = True
        if move.invoice_line_ids.filtered(lambda line: not line.tax_ids):
            raise UserError(
                self.env._(
                    "Some lines of invoice %(number)s have a VAT rate the company "
                    "%(company)s has no tax for. Add the tax, then import again.",
                    number=facts.number,
                    company=move.company_id.name,
                )
            )
        self._cabinet_link_corrected_invoice(move, facts)

    def _cabinet_link_corrected_invoice(self, move, facts):
        """A credit note corrects an invoice (BG-3, BR-FR-CO-05): when the
        file's BT-25 is an invoice of the dossier (its file number kept as
        reference, same buyer), the credit note reverses it, so that the
        re-issued credit note cites the invoice as re-issued.
        """
        numbers = [number for number in facts.invoice_references if number]
        if move.move_type != "out_refund" or not numbers:
            return
        invoice = self.env["account.move"].search(
            [
                ("company_id", "=", move.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("ref", "in", numbers),
                ("commercial_partner_id", "=", move.commercial_partner_id.id),
            ],
            order="invoice_date desc, id desc",
            limit=1,
        )
        if invoice:
            move.reversed_entry_id = invoice

    def _cabinet_post_import_notes(self, move, facts, line_checks, tax_notes):
        """Tell on the draft what was completed or read differently."""
        notes = [
            *self._cabinet_completion_notes(move, facts),
            *self._cabinet_seller_notes(move, facts),
            *self._cabinet_line_reading_notes(line_checks),
            *tax_notes,
        ]
        move.message_post(
            body=Markup("").join(Markup("<p>%s</p>") % note for note in notes)
        )

    def _cabinet_seller_notes(self, move, facts):
        """Note the file's seller when it is not the issuing client company.

        The issuer (BG-4) is always the client company: a collaborator may
        re-issue in the client's name an invoice its former tool produced
        with other seller data; the difference stays on record.
        """
        company = move.company_id
        sirens = {clean_siren(value) for __, value in facts.seller_legal_ids} - {""}
        vat = clean_vat(facts.seller_vat)
        if company.cabinet_siren in sirens or (vat and vat == clean_vat(company.vat)):
            return []
        return [
            self.env._(
                "Seller in the file: %(seller)s, VAT %(vat)s; issued as: "
                "%(company)s (SIREN %(siren)s, VAT %(company_vat)s). The seller "
                "data of the file was replaced by the client's dossier.",
                seller=facts.seller_name or "-",
                vat=facts.seller_vat or "-",
                company=company.name,
                siren=company.cabinet_siren or "-",
                company_vat=company.vat or "-",
            )
        ]

    def _cabinet_line_reading_notes(self, line_checks):
        notes = []
        for check in line_checks:
            line = check.line
            if check.reading == "return":
                notes.append(
                    self.env._(
                        "Line %(line)s: the file bills %(quantity)s with a net "
                        "amount of %(amount)s; imported as a return of "
                        "%(signed)s, as the header totals are built on the "
                        "amount (BR-CO-10).",
                        line=line.line_id,
                        quantity=line.quantity,
                        amount=line.line_total,
                        signed=-line.quantity,
                    )
                )
            elif check.reading == "price_per_unit":
                notes.append(
                    self.env._(
                        "Line %(line)s: the price base quantity %(basis)s "
                        "(BT-149) does not fit the amounts; the net price "
                        "%(price)s is read per unit, which gives the line "
                        "amount %(amount)s.",
                        line=line.line_id,
                        basis=line.basis_quantity,
                        price=line.net_price,
                        amount=line.line_total,
                    )
                )
        return notes

    def _cabinet_completion_notes(self, move, facts):
        notes = [
            self.env._(
                "Imported from the %(profile)s file %(number)s; seller identity, "
                "SIREN and mandatory notes come from the dossier of %(company)s.",
                profile=facts.profile or facts.syntax.upper(),
                number=facts.number,
                company=move.company_id.name,
            )
        ]
        if facts.has_no_lines_by_design:
            notes.append(
                self.env._(
                    "The file has no invoice lines by design: one line per VAT "
                    "breakdown was created from its totals."
                )
            )
        if self.vat_breakdown_ids:
            notes.append(
                self.env._(
                    "The file gives no VAT breakdown: %(user)s entered it at "
                    "import (%(breakdown)s), which gives the file's totals.",
                    user=self.env.user.name,
                    breakdown=", ".join(
                        f"{vat_rates.format_rate(item.rate)} % on {item.basis}"
                        for item in facts.vat_breakdowns
                    ),
                )
            )
        return notes + self._cabinet_corrected_invoice_notes(move, facts)

    def _cabinet_corrected_invoice_notes(self, move, facts):
        """Say which invoice of the dossier the credit note reverses, or that
        none was found, which the gate will block (BR-FR-CO-05).
        """
        numbers = ", ".join(number for number in facts.invoice_references if number)
        if move.move_type != "out_refund" or not numbers:
            return []
        if move.reversed_entry_id:
            return [
                self.env._(
                    "The file corrects invoice %(numbers)s: the credit note "
                    "reverses %(invoice)s of the dossier, cited as BT-25.",
                    numbers=numbers,
                    invoice=move.reversed_entry_id.name,
                )
            ]
        return [
            self.env._(
                "The file corrects invoice %(numbers)s, which is not a posted "
                "invoice of the dossier: import or issue it first, otherwise "
                "the credit note cites no invoice and cannot be sent "
                "(BR-FR-CO-05).",
                numbers=numbers,
            )
        ]

    def _cabinet_check_totals(self, move, facts):
        """The draft must give the file's totals (BT-109, BT-110, BT-112)."""
        sign = -1 if (facts.tax_basis_total or 0) < 0 else 1
        expected = (
            facts.tax_basis_total,
            facts.tax_total,
            facts.grand_total,
        )
        found = (move.amount_untaxed, move.amount_tax, move.amount_total)
        for wanted, got in zip(expected, found, strict=True):
            if wanted is not None and move.currency_id.compare_amounts(
                float(wanted * sign), got
            ):
                raise UserError(
                    self.env._(
                        "Invoice %(number)s gives untaxed %(untaxed)s, VAT "
                        "%(tax)s, total %(total)s once imported, but the file "
                        "says %(f_untaxed)s, %(f_tax)s, %(f_total)s. Nothing was "
                        "imported.",
                        number=facts.number,
                        untaxed=move.amount_untaxed,
                        tax=move.amount_tax,
                        total=move.amount_total,
                        f_untaxed=facts.tax_basis_total,
                        f_tax=facts.tax_total,
                        f_total=facts.grand_total,
                    )
                )

    def _cabinet_attach_original(self, move, raw, filename):
        """Keep the file received from the client's old tool on the draft."""
        attachment = self.env["ir.attachment"].create(
            {
                "name": filename,
                "raw": raw,
                "res_model": "account.move",
                "res_id": move.id,
            }
        )
        move.message_post(
            body=self.env._("Original file from the client's invoicing tool."),
            attachment_ids=attachment.ids,
        )


class CabinetEinvoiceImportVat(models.TransientModel):
    _name = "cabinet.einvoice.import.vat"
    _description = "VAT Breakdown Entered at E-invoice Import"

    wizard_id = fields.Many2one(
        comodel_name="cabinet.einvoice.import", required=True, ondelete="cascade"
    )
    rate = fields.Float(string="VAT Rate (%)", digits=(5, 2), required=True)
    basis = fields.Float(string="Taxable Amount", digits=(16, 2), required=True)
