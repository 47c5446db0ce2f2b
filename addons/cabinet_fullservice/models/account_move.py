import json
import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..tools import cdar, draft_sheet, facturx_pdf, lifecycle, validator, vat_rates
from .account_edi_xml_cii import DOCUMENT_NUMBER_RE, PROFILE_CONFORMANCE_LEVELS
from .cabinet_invoice_status import STATUS_CODES
from .cabinet_platform_flow import FLOW_STATES
from .res_company import NOTE_PMT_CONSUMER

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    _inherit = "account.move"

    # -------------------------------------------------------------------------
    # Billing mandate and contest (dossier)
    # -------------------------------------------------------------------------

    cabinet_mandate_id = fields.Many2one(
        comodel_name="cabinet.billing.mandate",
        string="Billing Mandate",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="The billing mandate under which the cabinet issued this invoice "
        "in the name of the client company (CGI art. 289-I-2). Set at posting.",
    )
    cabinet_issued_under_mandate = fields.Boolean(
        string="Issued under Mandate",
        compute="_compute_cabinet_issued_under_mandate",
        store=True,
    )
    cabinet_contest_deadline = fields.Date(
        string="Contest Deadline",
        compute="_compute_cabinet_contest_deadline",
        store=True,
        help="Last day on which the client may contest this invoice issued in "
        "its name (CGI ann. II art. 242 nonies).",
    )
    cabinet_contest_state = fields.Selection(
        selection=[
            ("none", "Not contested"),
            ("contested", "Contested"),
            ("resolved", "Resolved"),
        ],
        string="Contest Status",
        default="none",
        copy=False,
        tracking=True,
    )
    cabinet_contest_reason = fields.Text(string="Contest Reason", copy=False)
    cabinet_contest_date = fields.Date(string="Contest Date", copy=False)

    @api.depends("cabinet_mandate_id")
    def _compute_cabinet_issued_under_mandate(self):
        for move in self:
            move.cabinet_issued_under_mandate = bool(move.cabinet_mandate_id)

    @api.depends("invoice_date", "cabinet_mandate_id.contest_days")
    def _compute_cabinet_contest_deadline(self):
        for move in self:
            mandate = move.cabinet_mandate_id
            move.cabinet_contest_deadline = (
                move.invoice_date
                and mandate
                and move.invoice_date + timedelta(days=mandate.contest_days)
            )

    def _post(self, soft=True):
        # EXTENDS account
        for move in self._cabinet_get_mandate_moves():
            move.cabinet_mandate_id = move._cabinet_get_checked_mandate()
        return super()._post(soft=soft)

    def action_cabinet_open_contest_wizard(self):
        """Open the wizard recording the client's contest of this invoice."""
        self.ensure_one()
        self._cabinet_check_can_contest()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cabinet_fullservice.cabinet_contest_wizard_action"
        )
        action["context"] = {"default_move_id": self.id}
        return action

    def action_cabinet_contest(self, reason):
        """Record that the client contests this invoice issued in its name.

        Only within the contest period set by the mandate (CGI ann. II art.
        242 nonies); afterwards the invoice can only be corrected by a
        corrective invoice (CGI art. 289-I-5).

        :param reason: the client's reason, kept on the invoice and in chatter
        """
        self.ensure_one()
        self._cabinet_check_can_contest()
        self.write(
            {
                "cabinet_contest_state": "contested",
                "cabinet_contest_reason": reason,
                "cabinet_contest_date": fields.Date.context_today(self),
            }
        )
        self.message_post(
            body=self.env._(
                "The client contested this invoice: %(reason)s", reason=reason
            )
        )
        return True

    def action_cabinet_resolve_contest(self):
        """Close the client's contest, e.g. after a corrective invoice."""
        for move in self.filtered(lambda m: m.cabinet_contest_state == "contested"):
            move.cabinet_contest_state = "resolved"
            move.message_post(body=self.env._("The client's contest is resolved."))
        return True

    def _cabinet_get_mandate_moves(self):
        """Customer invoices and credit notes issued for client companies."""
        return self.filtered(
            lambda move: (
                move.move_type in ("out_invoice", "out_refund")
                and move.company_id.cabinet_is_client
            )
        )

    def _cabinet_get_checked_mandate(self):
        """The mandate covering this invoice, or raise a UserError saying how
        to get one (CGI ann. II art. 242 nonies: express, written, prior).
        """
        self.ensure_one()
        invoice_date = self.invoice_date or fields.Date.context_today(self)
        mandate = self.env["cabinet.billing.mandate"]._get_covering_mandate(
            self.company_id, invoice_date, self.move_type
        )
        type_label = dict(self._fields["move_type"]._description_selection(self.env))
        if not mandate:
            raise UserError(
                self.env._(
                    "No active billing mandate of %(company)s covers a "
                    "%(type)s dated %(date)s. Create or activate a billing "
                    "mandate in Cabinet > Clients > Billing mandates, with a "
                    "period and a scope that cover this document.",
                    company=self.company_id.name,
                    type=type_label[self.move_type],
                    date=format_date(self.env, invoice_date),
                )
            )
        if invoice_date < mandate.signature_date:
            raise UserError(
                self.env._(
                    "The %(type)s of %(company)s is dated %(date)s, before the "
                    "signature of the billing mandate %(mandate)s on "
                    "%(signature)s: a mandate must be signed before the "
                    "invoices it covers.",
                    type=type_label[self.move_type],
                    company=self.company_id.name,
                    date=format_date(self.env, invoice_date),
                    mandate=mandate.name,
                    signature=format_date(self.env, mandate.signature_date),
                )
            )
        return mandate

    def _cabinet_check_can_send(self):
        """Reasons why this invoice may not be sent to the approved platform.

        Called by the sending flow before transmitting; an empty list means
        nothing blocks sending.

        :return: list of translated messages, empty when sending is allowed
        """
        self.ensure_one()
        messages = self._cabinet_get_mandate_send_blockers()
        # Validation gate (Factur-X section): fatal findings block sending.
        messages += self._cabinet_get_facturx_send_blockers()
        return messages

    def _cabinet_get_mandate_send_blockers(self):
        """Reasons why the billing mandate forbids sending this invoice
        (no mandate, mandate no longer active, no platform consent, contest).

        :return: list of translated messages
        """
        self.ensure_one()
        if not self._cabinet_get_mandate_moves():
            return []
        mandate = self.cabinet_mandate_id
        if not mandate:
            return [
                self.env._(
                    "%(move)s was not issued under a billing mandate of %(company)s.",
                    move=self.display_name,
                    company=self.company_id.name,
                )
            ]
        messages = []
        if mandate.state != "active":
            messages.append(
                self.env._(
                    "The billing mandate %(mandate)s is no longer active.",
                    mandate=mandate.name,
                )
            )
        if not mandate.platform_consent:
            # Rescrits 2006/10 and 2006/39: subcontracting needs consent.
            messages.append(
                self.env._(
                    "The client has not consented to the approved platform "
                    "in the billing mandate %(mandate)s.",
                    mandate=mandate.name,
                )
            )
        if self.cabinet_contest_state == "contested":
            messages.append(
                self.env._(
                    "%(move)s is contested by the client: %(reason)s",
                    move=self.display_name,
                    reason=self.cabinet_contest_reason or "",
                )
            )
        return messages

    def _cabinet_check_can_contest(self):
        """Raise unless this invoice can be contested today."""
        self.ensure_one()
        if self.state != "posted" or not self.cabinet_mandate_id:
            raise UserError(
                self.env._(
                    "Only posted invoices issued under a billing mandate can "
                    "be contested."
                )
            )
        if self.cabinet_contest_state == "contested":
            raise UserError(
                self.env._("%(move)s is already contested.", move=self.display_name)
            )
        if fields.Date.context_today(self) > self.cabinet_contest_deadline:
            raise UserError(
                self.env._(
                    "The contest period of %(move)s ended on %(deadline)s. The "
                    "invoice can no longer be contested: issue a corrective "
                    "invoice or credit note instead (CGI art. 289-I-5).",
                    move=self.display_name,
                    deadline=format_date(self.env, self.cabinet_contest_deadline),
                )
            )

    def _cabinet_get_mandate_note(self):
        """The billing mandate mention, for the PDF and the BT-22 note.

        The invoice stays the client's (seller BG-4); the mention names the
        cabinet that issued it (CGI art. 289-I-2). French document content.

        :return: the sentence, or an empty string without mandate
        """
        self.ensure_one()
        mandate = self.cabinet_mandate_id
        if not mandate:
            return ""
        # The cabinet's name and SIREN are printed on every invoice it issues:
        # a collaborator working in the client company alone may read them.
        firm = mandate.sudo().firm_id
        siren = firm.partner_id._get_siren()
        firm_label = f"{firm.name} (SIREN {siren})" if siren else firm.name
        signature = mandate.signature_date.strftime("%d/%m/%Y")
        return (
            f"Facture émise par {firm_label} au nom et pour le compte de "
            f"{self.company_id.name}, en vertu d'un mandat de facturation du "
            f"{signature}."
        )

    # -------------------------------------------------------------------------
    # Factur-X and validation gate
    # -------------------------------------------------------------------------

    cabinet_company_is_client = fields.Boolean(
        related="company_id.cabinet_is_client", string="Client Company"
    )
    cabinet_facturx_profile = fields.Selection(
        selection=[("en16931", "EN 16931"), ("extended", "EXTENDED")],
        string="Factur-X Profile",
        compute="_compute_cabinet_facturx_profile",
        help="EN 16931 by default; EXTENDED when the billing mandate names the "
        "cabinet as invoicer party (EXT-FR-FE-115).",
    )
    cabinet_validation_state = fields.Selection(
        selection=[
            ("to_check", "To check"),
            ("valid", "Valid"),
            ("invalid", "Invalid"),
            ("unavailable", "Validator unavailable"),
        ],
        string="Factur-X Validation",
        compute="_compute_cabinet_validation_state",
        store=True,
        readonly=False,
        copy=False,
        help="Result of the last check of the Factur-X XML (XSD, Factur-X "
        "schematron of the profile, French BR-FR rules). Only a valid "
        "invoice can be sent; any change resets it to To check.",
    )
    cabinet_validation_report = fields.Json(
        string="Factur-X Validation Report", copy=False, readonly=True
    )
    cabinet_validation_date = fields.Datetime(
        string="Factur-X Checked On", copy=False, readonly=True
    )
    cabinet_validation_html = fields.Html(
        string="Factur-X Findings",
        compute="_compute_cabinet_validation_html",
        sanitize=False,
    )
    cabinet_facturx_xml_id = fields.Many2one(
        comodel_name="ir.attachment",
        string="Factur-X XML",
        copy=False,
        readonly=True,
        help="The XML stored when the invoice was issued; it is never "
        "regenerated afterwards.",
    )
    cabinet_facturx_pdf_id = fields.Many2one(
        comodel_name="ir.attachment",
        string="Factur-X PDF",
        copy=False,
        readonly=True,
    )
    # RC-18: no sale module, so the deposit is flagged on the invoice itself.
    cabinet_is_down_payment = fields.Boolean(
        string="Down payment invoice",
        help="Issued with type code 386 (503 for its credit notes).",
    )
    cabinet_down_payment_ids = fields.Many2many(
        comodel_name="account.move",
        relation="account_move_cabinet_down_payment_rel",
        column1="final_move_id",
        column2="down_payment_move_id",
        string="Down payments deducted",
        copy=False,
        domain="[('cabinet_is_down_payment', '=', True),"
        " ('state', '=', 'posted'), ('company_id', '=', company_id),"
        " ('commercial_partner_id', '=', commercial_partner_id)]",
        help="Down payment invoices and their credit notes deducted by lines "
        "of this final invoice: each one is referenced in its Factur-X "
        "(BT-25/BT-26) and the invoice is typed final after down payment.",
    )

    cabinet_has_foreign_vat = fields.Boolean(
        string="Foreign VAT Rates",
        compute="_compute_cabinet_has_foreign_vat",
        help="Some lines carry a VAT rate that is not French (an invoice "
        "imported from a foreign tool): BR-FR-16 blocks it until the lines "
        "use the client's French taxes.",
    )

    @api.depends("invoice_line_ids.tax_ids.amount")
    def _compute_cabinet_has_foreign_vat(self):
        for move in self:
            move.cabinet_has_foreign_vat = bool(
                move._cabinet_is_facturx_move() and move._cabinet_get_foreign_taxes()
            )

    @api.depends(
        "company_id",
        "move_type",
        "invoice_date",
        "cabinet_mandate_id.firm_as_invoicer",
    )
    def _compute_cabinet_facturx_profile(self):
        Mandate = self.env["cabinet.billing.mandate"]
        for move in self:
            mandate = move.cabinet_mandate_id
            if not mandate and move._cabinet_is_facturx_move():
                mandate = Mandate._get_covering_mandate(
                    move.company_id,
                    move.invoice_date or fields.Date.context_today(move),
                    move.move_type,
                )
            move.cabinet_facturx_profile = (
                "extended" if mandate.firm_as_invoicer else "en16931"
            )

    @api.depends(
        "name",
        "state",
        "partner_id",
        "partner_shipping_id",
        "currency_id",
        "invoice_date",
        "invoice_date_due",
        "narration",
        "amount_total",
        "invoice_line_ids.name",
        "invoice_line_ids.quantity",
        "invoice_line_ids.price_unit",
        "invoice_line_ids.discount",
        "invoice_line_ids.tax_ids",
        "invoice_line_ids.product_id",
        "cabinet_mandate_id",
    )
    def _compute_cabinet_validation_state(self):
        for move in self:
            if move._cabinet_get_frozen_facturx_xml():
                # Sent: the XML is frozen, so the stored report still holds
                # (a payment, say, never reopens the check).
                move.cabinet_validation_state = move._cabinet_state_of_report(
                    move.cabinet_validation_report
                )
            else:
                # Whatever changes the XML invalidates the last verdict.
                move.cabinet_validation_state = "to_check"

    @api.model
    def _cabinet_state_of_report(self, report):
        """The validation state a stored report stands for."""
        if not report:
            return "to_check"
        if report.get("error"):
            return "unavailable"
        return "valid" if report.get("ok") else "invalid"

    @api.depends("cabinet_validation_report")
    def _compute_cabinet_validation_html(self):
        for move in self:
            report = move.cabinet_validation_report
            move.cabinet_validation_html = (
                move._cabinet_render_validation_html(report) if report else False
            )

    @api.constrains("name", "state")
    def _check_cabinet_facturx_number(self):
        """BR-FR-01/02 at posting, not after sending (RC-12)."""
        for move in self.filtered(
            lambda m: m.state == "posted" and m._cabinet_is_facturx_move()
        ):
            message = move._cabinet_check_document_number(move.name)
            if message:
                raise ValidationError(message)

    def action_cabinet_validate(self):
        """Check the Factur-X XML of the invoices and store the verdict.

        XSD and schematron of the invoice's profile, then the French BR-FR
        rules, run by the out-of-process validator. An unreachable validator
        gives the state "unavailable", never "valid".
        """
        for move in self:
            move._cabinet_validate_one()
        return True

    def action_cabinet_open_french_vat(self):
        """Open the wizard that maps the draft's foreign rates to French taxes."""
        self.ensure_one()
        wizard = self.env["cabinet.french.vat"]._cabinet_create_for(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Apply French VAT"),
            "res_model": "cabinet.french.vat",
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def _cabinet_get_foreign_taxes(self):
        """Percent taxes of the lines whose rate BR-FR-16 refuses."""
        self.ensure_one()
        return self.invoice_line_ids.tax_ids.filtered(
            lambda tax: (
                tax.amount_type == "percent"
                and not vat_rates.is_french_rate(tax.amount)
            )
        )

    def _cabinet_check_can_apply_french_vat(self):
        self.ensure_one()
        if self.state != "draft" or not self._cabinet_is_facturx_move():
            raise UserError(
                self.env._(
                    "French VAT is applied to a draft invoice of a client "
                    "company; reset %(move)s to draft first.",
                    move=self.display_name,
                )
            )
        if not self._cabinet_get_foreign_taxes():
            raise UserError(
                self.env._(
                    "Every line of %(move)s already has a French VAT rate.",
                    move=self.display_name,
                )
            )

    def _cabinet_get_payment_notes(self):
        """The PMT, PMD and AAB notes of the invoice (BR-FR-05, C. com.
        L441-9), as (subject code, text) pairs, texts from the company.

        A consumer owes no EUR 40 indemnity (D441-5): its PMT note says so
        instead of claiming it (RC-29).
        """
        self.ensure_one()
        company = self.company_id
        pmt = company.cabinet_note_pmt
        if not self.commercial_partner_id.cabinet_is_business:
            pmt = NOTE_PMT_CONSUMER
        return [
            ("PMT", pmt),
            ("PMD", company.cabinet_note_pmd),
            ("AAB", company.cabinet_note_aab),
        ]

    def _cabinet_is_facturx_move(self):
        """Customer invoice or credit note of a client company of the firm."""
        self.ensure_one()
        return self.move_type in ("out_invoice", "out_refund") and bool(
            self.company_id.cabinet_is_client
        )

    def _cabinet_is_down_payment_document(self):
        """A down payment invoice, or a credit note flagged as one or
        reversing one (RC-18: typed 386 and 503).
        """
        self.ensure_one()
        return self.cabinet_is_down_payment or bool(
            self.move_type == "out_refund"
            and self.reversed_entry_id.cabinet_is_down_payment
        )

    def _cabinet_check_document_number(self, number):
        """A readable error when ``number`` breaks BR-FR-01/02, else None."""
        self.ensure_one()
        if not number or number == "/" or DOCUMENT_NUMBER_RE.match(number):
            return None
        return self.env._(
            "The number %(number)s of this %(company)s document cannot be used "
            "for an e-invoice: it must have at most 35 characters among letters "
            "A-Z, digits, '+', '-', '_' and '/' (no spaces, no accents; "
            "BR-FR-01/02). Fix the sequence of the journal %(journal)s.",
            number=number,
            company=self.company_id.name,
            journal=self.journal_id.display_name,
        )

    def _cabinet_get_frozen_facturx_xml(self):
        """The XML stored at issue, once the invoice was sent, else None."""
        self.ensure_one()
        if self.is_move_sent and self.cabinet_facturx_xml_id:
            return self.cabinet_facturx_xml_id.raw
        return None

    def _cabinet_export_facturx(self):
        """Build the Factur-X XML with Odoo's CII builder.

        :return: (xml bytes, set of blocking error messages)
        """
        self.ensure_one()
        return self.env["account.edi.xml.cii"]._export_invoice(self)

    def _cabinet_build_facturx_xml(self):
        """The Factur-X XML of this invoice (the stored one once issued)."""
        return self._cabinet_export_facturx()[0]

    def _cabinet_get_facturx_pdf(self):
        """The PDF/A-3 with its factur-x.xml, stored as attachments.

        Once the invoice is sent, the legal PDF is returned unchanged.

        :return: PDF bytes
        """
        self.ensure_one()
        if self.is_move_sent:
            # The PDF of the sending flow is the legal one.
            stored = self.invoice_pdf_report_id or self.cabinet_facturx_pdf_id
            if stored:
                return stored.raw
        pdf = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("account.account_invoices", self.ids)[0]
        )
        pdf = self._cabinet_embed_facturx(pdf)
        self._cabinet_store_facturx_pdf(pdf)
        return pdf

    def _cabinet_embed_facturx(self, pdf):
        """Return ``pdf`` as a Factur-X PDF/A-3 holding this invoice's XML.

        The XML embedded is kept on the invoice: once sent, it is frozen.
        """
        self.ensure_one()
        xml = self._cabinet_build_facturx_xml()
        self._cabinet_store_facturx_xml(xml)
        xmp = self.env["ir.qweb"]._render(
            "account_edi_ubl_cii.account_invoice_pdfa_3_facturx_metadata",
            {"title": self.name, "date": fields.Date.context_today(self)},
        )
        level = PROFILE_CONFORMANCE_LEVELS[self.cabinet_facturx_profile]
        return facturx_pdf.embed_facturx(pdf, xml, facturx_pdf.fix_xmp(xmp, level))

    def _cabinet_store_facturx_xml(self, xml):
        """Keep the XML put in a PDF, unless the stored one is frozen."""
        self.ensure_one()
        stored = self.cabinet_facturx_xml_id
        if stored.raw == xml or self._cabinet_get_frozen_facturx_xml():
            return
        name = (self.name or "draft").replace("/", "_")
        self.sudo().cabinet_facturx_xml_id = self._cabinet_create_attachment(
            f"{name}-factur-x.xml", xml, "application/xml"
        )
        stored.sudo().unlink()

    def _cabinet_store_facturx_pdf(self, pdf):
        self.ensure_one()
        stored = self.cabinet_facturx_pdf_id
        name = (self.name or "draft").replace("/", "_")
        self.sudo().cabinet_facturx_pdf_id = self._cabinet_create_attachment(
            f"{name}.pdf", pdf, "application/pdf"
        )
        stored.sudo().unlink()

    def _cabinet_create_attachment(self, name, raw, mimetype):
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": raw,
                    "mimetype": mimetype,
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )

    def _cabinet_validate_one(self):
        self.ensure_one()
        xml, errors = self._cabinet_export_facturx()
        checks = validator.facturx_checks(self.cabinet_facturx_profile)
        state = "invalid"
        try:
            report = validator.validate(xml, checks).to_dict()
            state = "valid" if report["ok"] else "invalid"
        except validator.ValidatorError as err:
            _logger.warning(
                "Factur-X validator unavailable for move %s: %s", self.id, err
            )
            report = {"ok": False, "fatal": [], "warnings": [], "checks": checks}
            report["error"] = str(err)
            state = "unavailable"
        if errors:
            # The builder's blocking checks (e.g. RC-09) are fatal findings.
            report["ok"] = False
            report["fatal"] = self._cabinet_builder_findings(errors) + report["fatal"]
            state = "invalid"
        self._cabinet_store_validation(report, state)

    def _cabinet_store_validation(self, report, state):
        self.ensure_one()
        self.write(
            {
                "cabinet_validation_report": report,
                "cabinet_validation_date": fields.Datetime.now(),
            }
        )
        # After the write: the report fields do not reset the state.
        self.cabinet_validation_state = state
        self.env["ir.attachment"].create(
            {
                "name": f"validation-report-{(self.name or '').replace('/', '_')}.json",
                "raw": json.dumps(report, indent=2, ensure_ascii=False).encode(),
                "mimetype": "application/json",
                "res_model": self._name,
                "res_id": self.id,
            }
        )

    def _cabinet_builder_findings(self, errors):
        """The builder's blocking messages as report findings."""
        return [
            {
                "check": "odoo",
                "rule": "CABINET-EXPORT",
                "message": message,
                "location": "",
                "flag": "fatal",
                "kind": "export",
            }
            for message in sorted(errors)
        ]

    def _cabinet_get_rule_hints(self):
        """What to fix for the French rules users meet most often."""
        return {
            "BR-FR-01": self.env._(
                "Change the journal sequence: at most 35 characters "
                "among letters, digits, + - _ /."
            ),
            "BR-FR-05": self.env._(
                "Fill in the PMT, PMD and AAB notes on the client company form."
            ),
            "BR-FR-08": self.env._(
                "Set the operation category (goods, services, mixed) "
                "of the client company."
            ),
            "BR-FR-09": self.env._(
                "The SIRET of the seller must start with its SIREN: "
                "check the Company ID of the client company."
            ),
            "BR-FR-10": self.env._(
                "Enter the SIRET (Company ID) of the client company."
            ),
            "BR-FR-11": self.env._(
                "Enter the SIRET (Company ID) of the customer: French "
                "business customers need their SIREN."
            ),
            "BR-FR-12": self.env._(
                "Set the electronic invoicing address of the customer."
            ),
            "BR-FR-13": self.env._(
                "Set the electronic invoicing address of the client company."
            ),
            "BR-FR-21": self.env._(
                "The customer's electronic invoicing address must start with its SIREN."
            ),
            "BR-FR-CO-05": self.env._(
                "Create the credit note from the invoice it "
                "corrects (Reverse), so that it refers to it."
            ),
            "BR-FR-CO-12": self.env._(
                "Set a currency rate: non-EUR invoices give their VAT total in EUR."
            ),
            "BR-FR-16": self.env._(
                "Use a French VAT rate on the invoice lines: reset the invoice "
                "to draft and click Apply French VAT."
            ),
            "CABINET-EXPORT": self.env._("Correct the invoice as the message says."),
        }

    def _cabinet_get_rule_hint(self, rule, hints):
        # Rule ids of the BR-FR schematron carry suffixes: BR-FR-05_BT-22_PMT.
        base = rule.split("_")[0]
        return hints.get(rule) or hints.get(base) or ""

    def _cabinet_render_validation_html(self, report):
        """The stored report as HTML: fatal findings with a hint, then
        warnings. Everything from the validator is escaped.
        """
        hints = self._cabinet_get_rule_hints()
        parts = []
        if report.get("error"):
            parts.append(
                Markup("<p class='text-warning'>%s</p>")
                % self.env._("Validator unavailable: %(error)s", error=report["error"])
            )
        if report.get("ok"):
            parts.append(
                Markup("<p class='text-success'>%s</p>")
                % self.env._("No blocking rule fails.")
            )
        for title, findings, with_hints in (
            (self.env._("Blocking rules"), report.get("fatal", []), True),
            (
                self.env._("Warnings (do not block sending)"),
                report.get("warnings", []),
                False,
            ),
        ):
            if not findings:
                continue
            items = Markup("").join(
                self._cabinet_render_finding(item, hints if with_hints else {})
                for item in findings
            )
            parts.append(Markup("<h5>%s</h5><ul>%s</ul>") % (title, items))
        return Markup("").join(parts)

    def _cabinet_render_finding(self, item, hints):
        hint = self._cabinet_get_rule_hint(item["rule"], hints)
        html = Markup("<li><strong>%s</strong> %s") % (item["rule"], item["message"])
        if hint:
            html += Markup("<br/><em>%s</em> %s") % (self.env._("What to fix:"), hint)
        return html + Markup("</li>")

    def _cabinet_get_facturx_send_blockers(self):
        """Reasons from the validation gate why the invoice may not be sent:
        fatal findings block, warnings do not.

        :return: list of translated messages
        """
        self.ensure_one()
        if not self._cabinet_is_facturx_move():
            return []
        state = self.cabinet_validation_state
        if state == "valid":
            return []
        if state == "invalid":
            count = len((self.cabinet_validation_report or {}).get("fatal", []))
            return [
                self.env._(
                    "The Factur-X XML of %(move)s fails %(count)s blocking "
                    "rule(s): see the Factur-X tab.",
                    move=self.display_name,
                    count=count,
                )
            ]
        if state == "unavailable":
            return [
                self.env._(
                    "The Factur-X validator was unavailable when %(move)s was "
                    "checked: check it again.",
                    move=self.display_name,
                )
            ]
        return [
            self.env._(
                "The Factur-X XML of %(move)s has not been checked since its "
                "last change: click Check Factur-X.",
                move=self.display_name,
            )
        ]

    # -------------------------------------------------------------------------
    # Approved platform and lifecycle statuses
    # -------------------------------------------------------------------------

    cabinet_flow_ids = fields.One2many(
        comodel_name="cabinet.platform.flow",
        inverse_name="move_id",
        string="Platform Flows",
        copy=False,
    )
    cabinet_status_ids = fields.One2many(
        comodel_name="cabinet.invoice.status",
        inverse_name="move_id",
        string="Lifecycle Statuses",
        copy=False,
    )
    cabinet_status_code = fields.Selection(
        selection=STATUS_CODES,
        string="Lifecycle Status",
        compute="_compute_cabinet_status_code",
        store=True,
        index="btree_not_null",
        copy=False,
        help="The latest lifecycle status by status date, whichever party "
        "issued it: a later status always replaces an earlier one.",
    )
    cabinet_flow_id = fields.Many2one(
        comodel_name="cabinet.platform.flow",
        string="Invoice Flow",
        compute="_compute_cabinet_flow_id",
        help="The active flow carrying this invoice to the approved platform.",
    )
    cabinet_flow_state = fields.Selection(
        selection=FLOW_STATES,
        string="Platform Sending",
        compute="_compute_cabinet_flow_id",
    )
    cabinet_flow_error = fields.Text(
        string="Platform Error", compute="_compute_cabinet_flow_id"
    )

    @api.depends(
        "cabinet_status_ids.code",
        "cabinet_status_ids.status_date",
        "cabinet_status_ids.sequence",
    )
    def _compute_cabinet_status_code(self):
        for move in self:
            # RC-20: the latest status wins, not the first final-looking one.
            statuses = move.cabinet_status_ids.sorted(
                lambda status: (status.status_date, status.sequence)
            )
            move.cabinet_status_code = statuses[-1:].code

    @api.depends(
        "cabinet_flow_ids.state",
        "cabinet_flow_ids.last_error",
        "cabinet_flow_ids.message_type",
    )
    def _compute_cabinet_flow_id(self):
        for move in self:
            flow = move.cabinet_flow_ids.filtered(
                lambda flow: flow.message_type == "invoice"
            )[:1]
            move.cabinet_flow_id = flow
            move.cabinet_flow_state = flow.state
            move.cabinet_flow_error = flow.last_error

    def action_cabinet_send(self):
        """Queue the invoices for the approved platform and start sending.

        Idempotent: an invoice already queued or sent is left alone (the user
        is told so); a flow in error is queued again with the same file and
        tracking ID; a flow the platform rejected is replaced by a new one.

        :return: a notification action
        """
        self.check_access("write")
        blockers = [text for move in self for text in move._cabinet_get_send_blockers()]
        if blockers:
            raise UserError("\n".join(blockers))
        queued, already = self.browse(), self.browse()
        for move in self:
            if move._cabinet_enqueue_flow():
                queued |= move
            else:
                already |= move
        if queued:
            self.env.ref(
                "cabinet_fullservice.cabinet_platform_flow_cron_send"
            )._trigger()
        return self._cabinet_send_notification(queued, already)

    def _cabinet_send_notification(self, queued, already):
        lines = []
        if queued:
            lines.append(
                self.env._(
                    "Queued for the platform: %(moves)s",
                    moves=", ".join(queued.mapped("name")),
                )
            )
        if already:
            lines.append(
                self.env._(
                    "Already queued or sent, nothing done: %(moves)s",
                    moves=", ".join(already.mapped("name")),
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": "\n".join(lines),
                "type": "success" if queued else "info",
                "sticky": False,
            },
        }

    def _cabinet_get_send_blockers(self):
        """Reasons why this invoice cannot go to the platform now.

        :return: list of translated messages, empty when it can be sent
        """
        self.ensure_one()
        if self.state != "posted" or not self.is_sale_document():
            return [
                self.env._(
                    "%(move)s: only posted customer invoices and credit notes "
                    "can be sent to the platform.",
                    move=self.display_name,
                )
            ]
        # Mandate, contest and Factur-X validation gate (other sections).
        return self._cabinet_check_can_send()

    def _cabinet_enqueue_flow(self):
        """Create or requeue the invoice flow.

        :return: True when something was queued, False when the invoice is
            already queued or sent
        """
        self.ensure_one()
        flow = self.cabinet_flow_id
        if flow.state in ("queued", "sending", "retry", "sent"):
            return False
        if flow.state == "error":
            flow.sudo().action_retry()
            return True
        # A flow the platform rejected was never issued: archive it and send a
        # new one, under a new trackingId so that it is not taken as a copy.
        flow.sudo().active = False
        account = self.env["cabinet.platform.account"].sudo()
        account = account._get_for_company(self.company_id)
        self.env["cabinet.platform.flow"].sudo().create(
            self._cabinet_prepare_flow_vals(account)
        )
        return True

    def _cabinet_prepare_flow_vals(self, account):
        self.ensure_one()
        Flow = self.env["cabinet.platform.flow"].sudo().with_context(active_test=False)
        attempt_group = Flow.search_count(
            [("move_id", "=", self.id), ("message_type", "=", "invoice")]
        )
        prefix = Flow._get_tracking_prefix()
        return {
            "move_id": self.id,
            "account_id": account.id,
            "message_type": "invoice",
            "flow_syntax": "Factur-X",
            "flow_profile": self._cabinet_get_flow_profile(),
            "tracking_id": f"{prefix}-{self.id}-{attempt_group + 1}",
        }

    def _cabinet_get_flow_profile(self):
        """AFNOR FlowProfile of the Factur-X file (EN 16931 is the French
        CIUS; EXTENDED is sent as Extended-CTC-FR)."""
        self.ensure_one()
        if self.cabinet_facturx_profile == "extended":
            return "Extended-CTC-FR"
        return "CIUS"

    def _cabinet_get_flow_filename(self):
        self.ensure_one()
        return f"{self.name.replace('/', '_')}.pdf"

    def _cabinet_on_flow_result(self, flow):
        """Tell the invoice's followers what the platform answered.

        :param flow: the cabinet.platform.flow that just changed state
        """
        self.ensure_one()
        if flow.state == "sent":
            body = self.env._(
                "Sent to the approved platform (flow %(flow)s).", flow=flow.flow_id
            )
        else:
            body = self.env._(
                "The approved platform did not accept %(file)s: %(error)s",
                file=flow.filename,
                error=flow.last_error,
            )
        self.sudo().message_post(body=body)
        if flow.state == "sent" and flow.message_type == "invoice":
            self._cabinet_report_collections()

    def _cabinet_report_collections(self):
        """Emit a 212 "Encaissée" for each payment not reported yet.

        Only for customer invoices the platform received; each payment
        matching (partial reconcile) is reported once (BR-FR-CDV-14).
        """
        # The payment may be registered by a user without access to the
        # platform models: reading and writing them is the product's job.
        for move_sudo in self.sudo().filtered(
            lambda move: move._cabinet_needs_collection_status()
        ):
            for partial in move_sudo._cabinet_get_unreported_payments():
                move_sudo._cabinet_emit_collected_status(partial)

    def _cabinet_needs_collection_status(self):
        """Hook: whether payments of this invoice are reported as 212."""
        self.ensure_one()
        return self.move_type == "out_invoice" and self.cabinet_flow_state == "sent"

    def _cabinet_get_unreported_payments(self):
        """Partial reconciles of the receivable with a payment (not another
        invoice or credit note), not reported yet, oldest first."""
        self.ensure_one()
        lines = self.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        partials = lines.matched_credit_ids
        reported = self.cabinet_status_ids.partial_reconcile_id
        return (
            (partials - reported)
            .filtered(
                lambda partial: not partial.credit_move_id.move_id.is_invoice(True)
            )
            .sorted("id")
        )

    def _cabinet_get_totals_by_rate(self):
        """Invoice totals incl. VAT per VAT rate, as ``{rate: amount}``."""
        self.ensure_one()
        totals = {}
        for line in self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        ):
            rate = sum(
                line.tax_ids.filtered(lambda t: t.amount_type == "percent").mapped(
                    "amount"
                )
            )
            totals[rate] = totals.get(rate, 0.0) + line.price_total
        return totals

    def _cabinet_emit_collected_status(self, partial):
        """Record and queue a 212 for one payment.

        The amounts are cash received, VAT included, one per VAT rate: BR-FR-
        CDV-14 only asks for an amount (MDT-215) and a rate (MDT-224) per MEN
        block, and the rate lets the receiver split the VAT due on collection.
        """
        self.ensure_one()
        amounts = self._cabinet_get_collected_amounts(partial)
        if not amounts:
            return
        Flow = self.env["cabinet.platform.flow"].sudo()
        flow = Flow.create(self._cabinet_prepare_collected_flow_vals(partial))
        content = self._cabinet_render_collected_status(flow, amounts)
        flow._attach_file(
            content, f"CDAR_212_{flow.tracking_id}.xml", "application/xml"
        )
        self.env["cabinet.invoice.status"].sudo().create(
            {
                "move_id": self.id,
                "code": "212",
                "emitter_role": "SE",
                "status_date": fields.Datetime.now(),
                "amount": float(sum(amounts.values())),
                "amount_details": [
                    {"type": "MEN", "rate": str(rate), "amount": str(amount)}
                    for rate, amount in amounts.items()
                ],
                "outbox_flow_id": flow.id,
                "partial_reconcile_id": partial.id,
                "source": "product",
            }
        )
        self.env.ref("cabinet_fullservice.cabinet_platform_flow_cron_send")._trigger()

    def _cabinet_get_collected_amounts(self, partial):
        self.ensure_one()
        reported = self.cabinet_status_ids.filtered(
            lambda s: s.code == "212" and s.source == "product"
        )
        reported_by_rate, paid_before = {}, 0.0
        for detail in reported.mapped("amount_details"):
            for item in detail or []:
                rate = float(item["rate"])
                reported_by_rate[rate] = reported_by_rate.get(rate, 0) + float(
                    item["amount"]
                )
                paid_before += float(item["amount"])
        return lifecycle.collected_amounts(
            self._cabinet_get_totals_by_rate(),
            reported_by_rate,
            paid_before,
            partial.debit_amount_currency,
        )

    def _cabinet_prepare_collected_flow_vals(self, partial):
        self.ensure_one()
        prefix = self.env["cabinet.platform.flow"]._get_tracking_prefix()
        return {
            "move_id": self.id,
            "account_id": self.cabinet_flow_id.account_id.id,
            "message_type": "status",
            "flow_syntax": "CDAR",
            "tracking_id": f"{prefix}-{self.id}-212-{partial.id}",
        }

    def _cabinet_render_collected_status(self, flow, amounts):
        """The CDAR 212 message (flow 6), issued by the seller (SE)."""
        self.ensure_one()
        return cdar.build_collected_message(
            self.name,
            self.invoice_date,
            self.company_id._get_siren(),
            amounts,
            flow.tracking_id,
            buyer_siren=self.commercial_partner_id._get_siren() or None,
            currency=self.currency_id.name,
        )

    # -------------------------------------------------------------------------
    # Client portal (drafts uploaded by the client company)
    # -------------------------------------------------------------------------

    @api.model
    def _cabinet_create_portal_drafts(self, company, files, user):
        """Turn each file uploaded by a client on the portal into a draft
        customer invoice of ``company``, the file attached, for the cabinet
        to complete. All or nothing: one failure creates nothing.

        Called with sudo by the client portal, after the controller checked
        that ``user`` is a portal user of ``company`` and each file's type.

        :param company: the client company (res.company)
        :param files: list of (filename, raw bytes)
        :param user: the portal user who uploaded them (res.users)
        :return: the draft invoices (account.move)
        """
        moves = self.browse()
        with self.env.cr.savepoint():
            for filename, raw in files:
                file_moves = self._cabinet_import_portal_sheet(company, filename, raw)
                if not file_moves:
                    file_moves = self.with_company(company).create(
                        self._prepare_cabinet_portal_draft_vals(company)
                    )
                # Posted with the file, so that the chatter shows who sent it;
                # the attachment is created on the invoice (res_model).
                for move in file_moves:
                    move.message_post(
                        body=self.env._(
                            "Draft uploaded by %(user)s from the portal",
                            user=user.name,
                        ),
                        attachments=[(filename, raw)],
                        author_id=user.partner_id.id,
                    )
                moves |= file_moves
        _logger.info(
            "Client portal: %s drafts uploaded in company %s", len(moves), company.id
        )
        return moves

    @api.model
    def _cabinet_import_portal_sheet(self, company, filename, raw):
        """Read a spreadsheet laid out as the draft import template into
        draft invoices with their lines, for ``company`` only.

        :return: the drafts (account.move), empty when the file is not such a
            spreadsheet (then it is only attached to an empty draft)
        :raise UserError: naming the file, when the template's rows are wrong
        """
        if not filename.lower().endswith((".csv", ".xlsx")):
            return self.browse()
        try:
            draft_sheet.read_rows(raw, filename)
        except draft_sheet.SheetError:
            return self.browse()
        try:
            return (
                self.env["cabinet.draft.import"]
                .with_context(cabinet_import_company_id=company.id)
                ._cabinet_import_raw(raw, filename)
            )
        except UserError as error:
            raise UserError(
                self.env._(
                    "%(file)s: %(message)s", file=filename, message=error.args[0]
                )
            ) from error

    @api.model
    def _prepare_cabinet_portal_draft_vals(self, company):
        """Values of an empty draft invoice for an uploaded file (hook)."""
        journal = self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(company),
                ("type", "=", "sale"),
            ],
            limit=1,
        )
        return {
            "move_type": "out_invoice",
            "company_id": company.id,
            "journal_id": journal.id,
        }
