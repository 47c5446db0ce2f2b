import base64
import os
from pathlib import Path
from unittest import skipUnless

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import html2plaintext

from .common import CabinetTestCommon
from .facturx_common import BUYER, NS, SELLER, SETTLEMENT

SHARED_DIR = Path(
    os.environ.get("CABINET_SHARED_DIR")
    or Path(__file__).resolve().parents[4] / "shared"
)
REAL_DIR = SHARED_DIR / "cases" / "real"
VAT_ID = "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']"
DELIVERY_DATE = (
    "//ram:ApplicableHeaderTradeDelivery/ram:ActualDeliverySupplyChainEvent"
    "//udt:DateTimeString"
)
SHIP_TO_COUNTRY = "//ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID"
BUYER_URI_SCHEME = f"{BUYER}/ram:URIUniversalCommunication/ram:URIID/@schemeID"


@tagged("post_install", "-at_install")
@skipUnless(REAL_DIR.is_dir(), "cases/real is absent")
class TestRealCasesImport(CabinetTestCommon):
    """Every file of cases/real imported as a collaborator of the seller.

    The FNFE files are 2017 invoices of "Au bon moulin": the test client
    has that seller's identity (SIREN 999999998 from its VAT number
    FR11999999998; the SIRET 99999999800010 of the file fails its checksum)
    and a mandate signed on 2017-01-01, so the drafts keep their real 2017
    dates instead of being re-dated.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.moulin = cls.setup_other_company(
            **cls._company_identity_vals(
                "Au bon moulin",
                "999999998",
                "FR11999999998",
                street="1242 chemin de l'olive",
                zip_code="84340",
                city="Malaucène",
            )
        )["company"]
        cls._create_billing_mandate(
            cls.moulin,
            signature_date="2017-01-01",
            date_start="2017-01-01",
            scope_refund=True,
        )
        cls.collaborator = new_test_user(
            cls.env,
            login="import_collaborator",
            # Contact creation is granted to every internal user by default.
            groups="base.group_user,base.group_partner_manager,"
            "cabinet_fullservice.cabinet_fullservice_group_collaborator",
            company_id=cls.firm.id,
            company_ids=[Command.set(cls.firm.ids)],
        )
        cls.moulin.sudo().cabinet_collaborator_ids = [Command.link(cls.collaborator.id)]

    def _import(self, relative_path):
        raw = (REAL_DIR / relative_path).read_bytes()
        wizard = (
            self.env["cabinet.einvoice.import"]
            .with_user(self.collaborator)
            .create(
                {"file": base64.b64encode(raw), "filename": Path(relative_path).name}
            )
        )
        action = wizard.action_import()
        return self.env["account.move"].browse(action["res_id"])

    def _assert_refused(self, relative_path, message):
        moves_before = self.env["account.move"].search_count([])
        with self.assertRaises(UserError) as caught:
            self._import(relative_path)
        self.assertEqual(str(caught.exception), message)
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)

    def _assert_draft(self, move, partner, move_type, lines, untaxed, tax, total):
        self.assertRecordValues(
            move,
            [
                {
                    "company_id": self.moulin.id,
                    "state": "draft",
                    "move_type": move_type,
                    "amount_untaxed": untaxed,
                    "amount_tax": tax,
                    "amount_total": total,
                }
            ],
        )
        self.assertEqual(move.partner_id.name, partner)
        self.assertEqual(move.currency_id.name, "EUR")
        self.assertEqual(len(move.invoice_line_ids), lines)
        self.assertEqual(
            move.message_main_attachment_id.mimetype
            or self.env["ir.attachment"]
            .search([("res_model", "=", "account.move"), ("res_id", "=", move.id)])
            .mapped("mimetype")[:1][0],
            "application/pdf",
        )

    # FNFE Factur-X 1.0 ------------------------------------------------------

    def test_fr_basic_becomes_a_draft_with_its_three_lines(self):
        move = self._import("fnfe/Facture_FR_BASIC.pdf")
        self._assert_draft(
            move, "Ma jolie boutique", "out_invoice", 3, 624.90, 46.25, 671.15
        )
        self.assertEqual(move.ref, "FA-2017-0010")
        # The invalid SIRET of the file is not stored, its SIREN is (BT-47).
        self.assertEqual(move.partner_id.company_registry, "787878784")

    def test_fr_basicwl_gets_one_line_per_vat_breakdown(self):
        move = self._import("fnfe/Facture_FR_BASICWL.pdf")
        self._assert_draft(
            move, "Ma jolie boutique", "out_invoice", 2, 624.90, 46.25, 671.15
        )
        self.assertEqual(
            sorted(move.invoice_line_ids.mapped("price_subtotal")), [81.90, 543.00]
        )

    def test_fr_minimum_with_mixed_vat_is_refused_naming_the_breakdown(self):
        # 46.25 on 624.90 is 7.40 %: no single French rate gives it (the
        # BASIC version splits it 20 % on 81.90 and 5.5 % on 543.00).
        self._assert_refused(
            "fnfe/Facture_FR_MINIMUM.pdf",
            "Invoice FA-2017-0010 cannot be imported:\nThe file is a Factur-X "
            "MINIMUM with 46.25 of VAT on a basis of 624.90 and no VAT breakdown "
            "(BG-23): 7.40 % is not a French VAT rate, so the VAT is split over "
            "several rates the file does not give. Enter the taxable amount per "
            "VAT rate printed on invoice FA-2017-0010 in the VAT Breakdown of the "
            "import form, or ask the client for its BASIC WL, BASIC or EN 16931 "
            "version, which gives the VAT per rate.",
        )

    def _import_with_breakdown(self, breakdown):
        raw = (REAL_DIR / "fnfe/Facture_FR_MINIMUM.pdf").read_bytes()
        form = Form(self.env["cabinet.einvoice.import"].with_user(self.collaborator))
        form.file = base64.b64encode(raw)
        self.assertTrue(form.vat_breakdown_required)
        self.assertEqual(form.company_id, self.moulin)
        for rate, basis in breakdown:
            with form.vat_breakdown_ids.new() as entry:
                entry.rate = rate
                entry.basis = basis
        action = form.save().action_import()
        return self.env["account.move"].browse(action["res_id"])

    def test_fr_minimum_with_an_entered_breakdown_is_reissued(self):
        """The collaborator types the breakdown printed on the paper invoice
        (20 % on 81.90 = 16.38, 5.5 % on 543.00 = 29.87): it gives the file's
        46.25 on 624.90, so one line per rate is created and the re-issued
        invoice passes the gate.
        """
        move = self._import_with_breakdown([(20.0, 81.90), (5.5, 543.00)])
        self._assert_draft(
            move, "Ma jolie boutique", "out_invoice", 2, 624.90, 46.25, 671.15
        )
        self.assertEqual(
            sorted(
                (line.tax_ids.amount, line.price_subtotal)
                for line in move.invoice_line_ids
            ),
            [(5.5, 543.00), (20.0, 81.90)],
        )
        self.assertIn(
            f"The file gives no VAT breakdown: {self.collaborator.name} entered "
            "it at import (20 % on 81.90, 5.5 % on 543.00)",
            "\n".join(html2plaintext(body) for body in move.message_ids.mapped("body")),
        )
        with freeze_time("2017-11-20"):
            self._post_and_validate(move)

    def test_fr_minimum_with_a_wrong_breakdown_imports_nothing(self):
        moves_before = self.env["account.move"].search_count([])
        with self.assertRaises(UserError) as caught:
            self._import_with_breakdown([(20.0, 81.90), (10.0, 543.00)])
        self.assertEqual(
            str(caught.exception),
            "Invoice FA-2017-0010 cannot be imported:\nThe VAT breakdown entered "
            "gives a taxable amount of 624.90 and VAT of 70.68, but the file says "
            "624.90 (BT-109) and 46.25 (BT-110). Correct the amounts per rate as "
            "printed on the invoice.",
        )
        with self.assertRaisesRegex(UserError, "7.4 % is not a French VAT rate"):
            self._import_with_breakdown([(7.4, 624.90)])
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)

    def test_ue_basic_keeps_the_intra_community_category(self):
        move = self._import("fnfe/Facture_UE_BASIC.pdf")
        self._assert_draft(
            move, "Me gusta olive", "out_invoice", 3, 2076.76, 0.0, 2076.76
        )
        self.assertEqual(
            set(move.invoice_line_ids.tax_ids.mapped("ubl_cii_tax_category_code")),
            {"K"},
        )

    def test_ue_basicwl_gets_one_intra_community_line(self):
        move = self._import("fnfe/Facture_UE_BASICWL.pdf")
        self._assert_draft(
            move, "Me gusta olive", "out_invoice", 1, 2076.76, 0.0, 2076.76
        )
        self.assertEqual(move.invoice_line_ids.tax_ids.ubl_cii_tax_category_code, "K")

    def test_ue_minimum_without_vat_is_intra_community_for_an_eu_buyer(self):
        move = self._import("fnfe/Facture_UE_MINIMUM.pdf")
        self._assert_draft(
            move, "Me gusta olive", "out_invoice", 1, 2076.76, 0.0, 2076.76
        )
        self.assertEqual(move.invoice_line_ids.tax_ids.ubl_cii_tax_category_code, "K")

    def test_dom_basicwl_gets_one_export_line(self):
        move = self._import("fnfe/Facture_DOM_BASICWL.pdf")
        self._assert_draft(
            move, "Hôtel Saint Denis", "out_invoice", 1, 530.75, 0.0, 530.75
        )
        self.assertEqual(move.invoice_line_ids.tax_ids.ubl_cii_tax_category_code, "G")

    def test_dom_minimum_without_vat_is_an_export(self):
        move = self._import("fnfe/Facture_DOM_MINIMUM.pdf")
        self._assert_draft(
            move, "Hôtel Saint Denis", "out_invoice", 1, 530.75, 0.0, 530.75
        )
        self.assertEqual(move.invoice_line_ids.tax_ids.ubl_cii_tax_category_code, "G")

    def test_credit_note_381_becomes_a_refund(self):
        move = self._import("fnfe/Avoir_FR_type381_BASIC.pdf")
        self._assert_draft(
            move, "Ma jolie boutique", "out_refund", 2, 218.48, 14.99, 233.47
        )

    def test_credit_note_coded_380_negative_is_not_inverted_twice(self):
        # RC-07: 380 with negative amounts is a credit note with positive ones.
        move = self._import("fnfe/Avoir_FR_type380_BASIC.pdf")
        self._assert_draft(
            move, "Ma jolie boutique", "out_refund", 2, 218.48, 14.99, 233.47
        )
        self.assertTrue(all(line.price_subtotal > 0 for line in move.invoice_line_ids))

    # FNFE files re-issued: posted and put through the gate ----------------

    def _post_and_validate(self, move):
        """Post ``move`` as the collaborator, run the gate, assert "valid".

        :return: the re-issued XML as an lxml tree
        """
        move.with_user(self.collaborator).action_post()
        move.with_user(self.collaborator).action_cabinet_validate()
        self.assertEqual(
            move.cabinet_validation_state, "valid", move.cabinet_validation_report
        )
        return etree.fromstring(move._cabinet_build_facturx_xml())

    def _xml_values(self, tree, xpath):
        return [
            node if isinstance(node, str) else node.text
            for node in tree.xpath(xpath, namespaces=NS)
        ]

    def _assert_exempt_breakdown(self, tree, category, reason_code):
        """One VAT breakdown (BG-23) of ``category`` with its VATEX code."""
        tax = f"{SETTLEMENT}/ram:ApplicableTradeTax"
        self.assertEqual(self._xml_values(tree, f"{tax}/ram:CategoryCode"), [category])
        self.assertEqual(
            self._xml_values(tree, f"{tax}/ram:ExemptionReasonCode"), [reason_code]
        )
        self.assertEqual(len(self._xml_values(tree, f"{tax}/ram:ExemptionReason")), 1)

    def _assert_intra_community_supply(self, tree):
        """BR-IC-11/12 completed from the invoice: the delivery date BT-72 is
        the invoice date (the file gives none), the deliver-to country BT-80
        the Spanish buyer's; BT-31 and BT-48 are both given (BR-IC-02).
        """
        self._assert_exempt_breakdown(tree, "K", "VATEX-EU-IC")
        self.assertEqual(self._xml_values(tree, DELIVERY_DATE), ["20171103"])
        self.assertEqual(self._xml_values(tree, SHIP_TO_COUNTRY), ["ES"])
        self.assertEqual(
            self._xml_values(tree, f"{SELLER}/{VAT_ID}"), ["FR11999999998"]
        )
        self.assertEqual(self._xml_values(tree, f"{BUYER}/{VAT_ID}"), ["ESA12345674"])

    @freeze_time("2017-11-20")
    def test_imported_basic_invoice_is_posted_and_passes_the_gate(self):
        self._post_and_validate(self._import("fnfe/Facture_FR_BASIC.pdf"))

    @freeze_time("2017-11-20")
    def test_imported_basicwl_invoice_is_posted_and_passes_the_gate(self):
        self._post_and_validate(self._import("fnfe/Facture_FR_BASICWL.pdf"))

    @freeze_time("2017-11-20")
    def test_ue_minimum_is_reissued_as_an_intra_community_supply(self):
        tree = self._post_and_validate(self._import("fnfe/Facture_UE_MINIMUM.pdf"))
        self._assert_intra_community_supply(tree)

    @freeze_time("2017-11-20")
    def test_ue_basicwl_is_reissued_as_an_intra_community_supply(self):
        tree = self._post_and_validate(self._import("fnfe/Facture_UE_BASICWL.pdf"))
        self._assert_intra_community_supply(tree)

    @freeze_time("2017-11-20")
    def test_ue_basic_is_reissued_with_quantities_of_four_decimals(self):
        tree = self._post_and_validate(self._import("fnfe/Facture_UE_BASIC.pdf"))
        self._assert_intra_community_supply(tree)
        # BR-FR-DEC-02: BT-129 with at most 4 decimals, no float noise.
        for quantity in self._xml_values(tree, "//ram:BilledQuantity"):
            self.assertRegex(quantity, r"^-?\d+(\.\d{1,4})?$")

    @freeze_time("2017-11-20")
    def test_dom_minimum_is_reissued_as_an_export(self):
        """La Réunion is outside the EU VAT territory: category G (BR-G-*)
        with its exemption reason, and the buyer's address BT-49 under the
        French VAT scheme 9957, which BR-FR-12 accepts without a SIREN.
        """
        tree = self._post_and_validate(self._import("fnfe/Facture_DOM_MINIMUM.pdf"))
        self._assert_exempt_breakdown(tree, "G", "VATEX-EU-G")
        self.assertEqual(self._xml_values(tree, BUYER_URI_SCHEME), ["9957"])

    @freeze_time("2017-11-20")
    def test_dom_basicwl_is_reissued_as_an_export(self):
        tree = self._post_and_validate(self._import("fnfe/Facture_DOM_BASICWL.pdf"))
        self._assert_exempt_breakdown(tree, "G", "VATEX-EU-G")

    def _import_corrected_invoice(self):
        """FA-2017-0010, which both credit notes correct, re-issued first."""
        invoice = self._import("fnfe/Facture_FR_BASIC.pdf")
        invoice.with_user(self.collaborator).action_post()
        return invoice

    def _assert_credit_note_reissued(self, file_name):
        """BR-FR-CO-05: the credit note cites the invoice it corrects (BT-25,
        BT-26), found in the dossier from the file's FA-2017-0010.
        """
        invoice = self._import_corrected_invoice()
        credit_note = self._import(f"fnfe/{file_name}")
        self.assertEqual(credit_note.reversed_entry_id, invoice)
        self.assertIn(
            f"reverses {invoice.name} of the dossier",
            "\n".join(
                html2plaintext(body) for body in credit_note.message_ids.mapped("body")
            ),
        )
        tree = self._post_and_validate(credit_note)
        reference = f"{SETTLEMENT}/ram:InvoiceReferencedDocument"
        self.assertEqual(
            self._xml_values(tree, f"{reference}/ram:IssuerAssignedID"),
            [invoice.name],
        )
        self.assertEqual(
            self._xml_values(tree, f"{reference}//qdt:DateTimeString"), ["20171113"]
        )
        self.assertEqual(
            self._xml_values(tree, "//rsm:ExchangedDocument/ram:TypeCode"), ["381"]
        )

    @freeze_time("2017-11-20")
    def test_credit_note_381_is_reissued_citing_the_corrected_invoice(self):
        self._assert_credit_note_reissued("Avoir_FR_type381_BASIC.pdf")

    @freeze_time("2017-11-20")
    def test_credit_note_without_its_invoice_in_the_dossier_is_blocked(self):
        """BR-FR-CO-05: a credit note cites the invoice it corrects (BT-25
        with BT-26). The file names FA-2017-0010, but the re-issued credit
        note can only cite an invoice the client issued through the dossier;
        until FA-2017-0010 is imported, it cites none and is blocked.
        """
        credit_note = self._import("fnfe/Avoir_FR_type381_BASIC.pdf")
        self.assertFalse(credit_note.reversed_entry_id)
        self.assertIn(
            "The file corrects invoice FA-2017-0010, which is not a posted invoice "
            "of the dossier",
            "\n".join(
                html2plaintext(body) for body in credit_note.message_ids.mapped("body")
            ),
        )
        credit_note.with_user(self.collaborator).action_post()
        credit_note.with_user(self.collaborator).action_cabinet_validate()
        self.assertEqual(credit_note.cabinet_validation_state, "invalid")
        self.assertEqual(
            [item["rule"] for item in credit_note.cabinet_validation_report["fatal"]],
            ["BR-FR-CO-05_BT-3"],
        )

    @freeze_time("2017-11-20")
    def test_credit_note_coded_380_is_reissued_as_a_381(self):
        self._assert_credit_note_reissued("Avoir_FR_type380_BASIC.pdf")

    # broken/ -------------------------------------------------------------------

    def test_pdf_with_invalid_xml_encoding_is_refused(self):
        self._assert_refused(
            "broken/factur-x-invalid-xml-encoding-attribute.pdf",
            'The invoice XML is not well-formed: String not closed expecting " '
            "or ', line 1, column 38. Ask the client for a corrected file from "
            "its invoicing tool.",
        )

    def test_line_with_a_wrong_net_price_is_refused(self):
        self._assert_refused(
            "broken/noNetPriceValidation.xml",
            "Invoice RE-20201121/508 cannot be imported:\nLine 1: quantity x net "
            "price gives 40.00 but the line net amount is 316.00 (EN 16931: "
            "BT-131 = BT-129 x BT-146 / BT-149 + charges - allowances). Check the "
            "unit price.",
        )


@tagged("post_install", "-at_install")
@skipUnless(REAL_DIR.is_dir(), "cases/real is absent")
@freeze_time("2026-10-20")
class TestRealCiiIntoClient(CabinetTestCommon):
    """The CEN EN 16931 CII examples re-issued by client A, as its collaborator.

    Their sellers are Dutch, Norwegian, Danish or German: the collaborator
    picks client A as the target, the draft is issued by client A (seller
    data from its dossier) and the chatter keeps the file's seller. Expected
    figures are read from each XML (lines = IncludedSupplyChainTradeLineItem,
    then TaxBasisTotalAmount, TaxTotalAmount in the invoice currency and
    GrandTotalAmount). Odoo turns each header allowance or charge (BG-20,
    BG-21) into a line of its own, counted in the draft's lines.

    The drafts keep the file's rates, none of them French (6, 21, 25, 15, 12
    or 19 %): the gate refuses them (BR-FR-16) until the collaborator applies
    the client's French VAT (net amounts kept, VAT recomputed, mapping
    logged). The buyers are customers of client A's dossier, which holds
    their electronic address (BT-49, BR-FR-12) the files lack. Examples 2
    to 5 are in NOK or DKK: the VAT total is also given in EUR (BR-FR-CO-12).
    Each test ends with the re-issued invoice passing the gate.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The examples date from 2013 to 2021: a mandate signed before them.
        cls._create_billing_mandate(
            cls.client_a, signature_date="2013-01-01", date_start="2013-01-01"
        )
        cls.collaborator = new_test_user(
            cls.env,
            login="cii_import_collaborator",
            groups="base.group_user,base.group_partner_manager,"
            "cabinet_fullservice.cabinet_fullservice_group_collaborator",
            company_id=cls.firm.id,
            company_ids=[Command.set(cls.firm.ids)],
        )
        cls.client_a.sudo().cabinet_collaborator_ids = [
            Command.link(cls.collaborator.id)
        ]
        # Odoo posts no document in an inactive currency: the manager turns
        # on the currencies the client invoices in (multi-currency setup).
        (cls.env.ref("base.NOK") | cls.env.ref("base.DKK")).active = True
        cls.dossier_customers = cls._create_dossier_customers()

    @classmethod
    def _create_dossier_customers(cls):
        """Client A's foreign customers, with the electronic address (Peppol
        scheme and identifier) the client gave the cabinet.
        """
        Partner = cls.env["res.partner"]
        customers = {}
        for key, name, country, vat, eas, endpoint in (
            ("odin", "ODIN 59", "nl", False, "0106", "34123456"),
            ("no", "The Buyercompany", "no", False, "0192", "987654321"),
            ("dk", "Buyercompany ltd", "dk", False, "0088", "5790000436057"),
            ("de", "BuyerName", "de", False, "0088", "4000001000005"),
        ):
            customers[key] = Partner.create(
                {
                    "name": name,
                    "is_company": True,
                    "company_id": cls.client_a.id,
                    "country_id": cls.env.ref(f"base.{country}").id,
                    "vat": vat,
                    "peppol_eas": eas,
                    "peppol_endpoint": endpoint,
                }
            )
        return customers

    def _import(self, relative_path, company=None):
        raw = (REAL_DIR / relative_path).read_bytes()
        wizard = (
            self.env["cabinet.einvoice.import"]
            .with_user(self.collaborator)
            .create(
                {
                    "file": base64.b64encode(raw),
                    "filename": Path(relative_path).name,
                    "company_id": (company or self.client_a).id,
                }
            )
        )
        return self.env["account.move"].browse(wizard.action_import()["res_id"])

    def _assert_draft(self, move, currency, lines, untaxed, tax, total):
        self.assertRecordValues(
            move,
            [
                {
                    "company_id": self.client_a.id,
                    "state": "draft",
                    "move_type": "out_invoice",
                    "amount_untaxed": untaxed,
                    "amount_tax": tax,
                    "amount_total": total,
                    "cabinet_has_foreign_vat": True,
                }
            ],
        )
        self.assertEqual(move.currency_id.name, currency)
        self.assertEqual(len(move.invoice_line_ids), lines)

    def _chatter(self, move):
        return "\n".join(
            html2plaintext(body) for body in move.message_ids.mapped("body")
        )

    def _assert_seller_noted(self, move, seller, vat):
        self.assertIn(
            f"Seller in the file: {seller}, VAT {vat}; issued as: Atelier Fictif "
            "SARL (SIREN 123456782, VAT FR11123456782).",
            self._chatter(move),
        )

    def _fatal_rules(self, move):
        report = move.cabinet_validation_report or {}
        return {item["rule"].split("_")[0] for item in report.get("fatal", [])}

    def _apply_french_vat(self, move, proposals):
        """Open the wizard as the collaborator, check the proposed mapping
        (foreign rate -> French rate), accept it.
        """
        action = move.with_user(self.collaborator).action_cabinet_open_french_vat()
        wizard = self.env["cabinet.french.vat"].browse(action["res_id"])
        self.assertEqual(
            {line.foreign_rate: line.french_tax_id.amount for line in wizard.line_ids},
            proposals,
        )
        wizard.with_user(self.collaborator).action_apply()
        self.assertFalse(move.cabinet_has_foreign_vat)
        return wizard

    def _reissue(self, move, proposals, untaxed, tax, total, customer):
        """French VAT applied, then posted and checked: the gate passes, the
        buyer's BT-49 comes from the dossier customer.

        :return: the re-issued XML as an lxml tree
        """
        self._apply_french_vat(move, proposals)
        self.assertRecordValues(
            move,
            [{"amount_untaxed": untaxed, "amount_tax": tax, "amount_total": total}],
        )
        self.assertEqual(move.partner_id, self.dossier_customers[customer])
        move.with_user(self.collaborator).action_post()
        move.with_user(self.collaborator).action_cabinet_validate()
        self.assertEqual(
            move.cabinet_validation_state, "valid", move.cabinet_validation_report
        )
        tree = etree.fromstring(move._cabinet_build_facturx_xml())
        partner = self.dossier_customers[customer]
        uri = tree.xpath(
            f"{BUYER}/ram:URIUniversalCommunication/ram:URIID", namespaces=NS
        )
        self.assertEqual(
            [(node.get("schemeID"), node.text) for node in uri],
            [(partner.peppol_eas, partner.peppol_endpoint)],
        )
        rates = tree.xpath(
            f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:RateApplicablePercent",
            namespaces=NS,
        )
        self.assertTrue(
            all(float(node.text) in (0, 2.1, 5.5, 10, 20) for node in rates)
        )
        return tree

    def test_cii_example1_return_line_is_imported_as_a_negative_quantity(self):
        """12115118 (NL, EUR): 20 lines, 229.60 + 20.73 = 250.33.

        Line 20 bills 6 x 18.33 with a net amount of -109.98: the header
        totals are built on -109.98 (BR-CO-10), so it is a return, imported
        as -6. Re-issued at 5.5 % on 183.23 (10.08) and 20 % on 46.37
        (9.27): 229.60 + 19.35 = 248.95, to ODIN 59 matched by name in the
        dossier.
        """
        move = self._import("en16931-cii/CII_example1.xml")
        self._assert_draft(move, "EUR", 20, 229.60, 20.73, 250.33)
        self._assert_seller_noted(move, "De Koksmaat", "NL8200.98.395.B.01")
        self.assertRecordValues(
            move.invoice_line_ids[-1:],
            [{"quantity": -6.0, "price_unit": 18.33, "price_subtotal": -109.98}],
        )
        self.assertIn("Line 20: the file bills 6", self._chatter(move))
        self._reissue(move, {6.0: 5.5, 21.0: 20.0}, 229.60, 19.35, 248.95, "odin")

    def test_cii_example2_price_base_quantity_is_read_per_unit(self):
        """TOSL108 (NO, NOK): 5 lines plus a header allowance and a header
        charge of 100 (7 draft lines); 1436.50 + 365.28 = 1801.78.

        Every line repeats its net price as price base quantity BT-149
        (1273 per 1273 units): read literally, line 1 would be worth 1.00,
        not 1273. Read per unit, every line gives its BT-131, which the
        totals confirm. Re-issued at 20 % for both Norwegian rates (25 % on
        1460.50, 15 % on 1.00; the tie at 15 % proposes the higher rate),
        the exempt line stays: 1436.50 + 292.30 = 1728.80.
        """
        move = self._import("en16931-cii/CII_example2.xml")
        self._assert_draft(move, "NOK", 7, 1436.50, 365.28, 1801.78)
        self._assert_seller_noted(move, "Salescompany ltd.", "NO123456789MVA")
        self.assertEqual(
            move.invoice_line_ids.mapped("price_subtotal"),
            [-100.0, 100.0, 1273.0, -3.96, 4.96, -25.0, 187.5],
        )
        self.assertIn("Line 1: the price base quantity 1273", self._chatter(move))
        self._reissue(move, {25.0: 20.0, 15.0: 20.0}, 1436.50, 292.30, 1728.80, "no")

    def test_cii_example3_header_charge_becomes_a_line(self):
        """TOSL108 (DK, DKK): 1 line plus a header charge of 100 (freight);
        900 + 225 = 1125. Re-issued at 20 %: 900 + 180 = 1080.
        """
        move = self._import("en16931-cii/CII_example3.xml")
        self._assert_draft(move, "DKK", 2, 900.0, 225.0, 1125.0)
        self._assert_seller_noted(move, "SubscriptionSeller", "DK16356706")
        self._reissue(move, {25.0: 20.0}, 900.0, 180.0, 1080.0, "dk")

    def test_cii_example4_two_danish_rates_are_imported(self):
        """TOSL110 (DK, DKK): 3 lines, 25 % on 1500 and 12 % on 2500;
        4000 + 675 = 4675. Blocked at the gate while the Danish rates stay
        (BR-FR-16, with the hint); re-issued at 20 % and 10 %:
        4000 + 300 + 250 = 4550.
        """
        move = self._import("en16931-cii/CII_example4.xml")
        self._assert_draft(move, "DKK", 3, 4000.0, 675.0, 4675.0)
        self._assert_seller_noted(move, "SellerCompany", "DK16356706")
        for line, quantity in zip(move.invoice_line_ids, (1000, 100, 500), strict=True):
            self.assertAlmostEqual(line.quantity, quantity, places=4)
        self.assertIn(
            "The sale tax Imported VAT S 12% was created for the rate 12 %",
            self._chatter(move),
        )
        move.with_user(self.collaborator).action_post()
        move.with_user(self.collaborator).action_cabinet_validate()
        self.assertEqual(self._fatal_rules(move), {"BR-FR-16"})
        self.assertIn("click Apply French VAT", move.cabinet_validation_html)
        with self.assertRaisesRegex(UserError, "fails .* blocking rule"):
            move.with_user(self.collaborator).action_cabinet_send()
        with self.assertRaisesRegex(UserError, "reset .* to draft first"):
            move.with_user(self.collaborator).action_cabinet_open_french_vat()
        move.with_user(self.collaborator).button_draft()
        self._reissue(move, {25.0: 20.0, 12.0: 10.0}, 4000.0, 550.0, 4550.0, "dk")
        self.assertIn(
            "Imported VAT S 12% (12 %) → 10% G on 1 line(s), taxable amount 2500.00",
            self._chatter(move),
        )
        self.assertIn(
            "Untaxed, VAT, total: 4000.00 / 675.00 / 4675.00 before; "
            "4000.00 / 550.00 / 4550.00 now.",
            self._chatter(move),
        )

    def test_cii_example5_tax_currency_total_is_not_taken_for_the_vat(self):
        """TOSL110 (NL seller, DKK, VAT accounting currency EUR): 3 lines
        plus a 10 % header allowance and charge of 150 (5 draft lines);
        4000 + 675.00 DKK (not the 628.62 EUR of the second BT-110) = 4675.
        The buyer's VAT number DK16356607 fails its checksum and is not
        used: the buyer is found in the dossier by its name. Re-issued at
        20 % and 10 %: 4000 + 550 = 4550.
        """
        move = self._import("en16931-cii/CII_example5.xml")
        self._assert_draft(move, "DKK", 5, 4000.0, 675.0, 4675.0)
        self._assert_seller_noted(move, "SellerCompany", "NL16356706")
        self._reissue(move, {25.0: 20.0, 12.0: 10.0}, 4000.0, 550.0, 4550.0, "dk")

    def test_rounding_case_lines_cancel_out_to_zero_totals(self):
        """ID 0 (DE, EUR): 4 lines +720.81 (S 19 %), +0.01 (Z), -720.81,
        -0.01; every total is 0.00 and the header totals are authoritative.

        Decision: no rounding mechanism is needed. Odoo rounds VAT per line
        (136.95 and -136.95 at 19 %), and the file's decimals are checked as
        decimals, so the draft gives exactly 0.00 / 0.00 / 0.00; the
        totals-equality check would refuse the file otherwise. Re-issued at
        20 %, the totals stay 0.00.
        """
        move = self._import("en16931-cii/CII-BR-CO-10-RoundingIssue.xml")
        self._assert_draft(move, "EUR", 4, 0.0, 0.0, 0.0)
        self._assert_seller_noted(move, "Seller GmbH", "DE 123 456 789")
        self.assertEqual(
            move.invoice_line_ids.mapped("price_subtotal"),
            [720.81, 0.01, -720.81, -0.01],
        )
        self._reissue(move, {19.0: 20.0}, 0.0, 0.0, 0.0, "de")

    def test_customer_without_electronic_address_is_blocked_by_br_fr_12(self):
        """With no electronic address in the dossier, the re-issued invoice
        is refused by BR-FR-12 and the finding says what to set.
        """
        self.dossier_customers["dk"].peppol_endpoint = False
        move = self._import("en16931-cii/CII_example3.xml")
        self._apply_french_vat(move, {25.0: 20.0})
        move.with_user(self.collaborator).action_post()
        move.with_user(self.collaborator).action_cabinet_validate()
        self.assertEqual(self._fatal_rules(move), {"BR-FR-12"})
        self.assertIn(
            "Set the electronic invoicing address of the customer.",
            move.cabinet_validation_html,
        )

    def test_french_vat_wizard_refuses_a_foreign_target_rate(self):
        move = self._import("en16931-cii/CII_example3.xml")
        action = move.with_user(self.collaborator).action_cabinet_open_french_vat()
        wizard = self.env["cabinet.french.vat"].browse(action["res_id"])
        wizard.line_ids.french_tax_id = wizard.line_ids.foreign_tax_id
        with self.assertRaisesRegex(
            UserError, r"Imported VAT S 25% is not a French VAT rate \(BR-FR-16\)"
        ):
            wizard.with_user(self.collaborator).action_apply()
        self.assertEqual(move.amount_tax, 225.0)

    def test_seller_matching_no_client_needs_a_chosen_company(self):
        raw = (REAL_DIR / "en16931-cii/CII_example4.xml").read_bytes()
        wizard = (
            self.env["cabinet.einvoice.import"]
            .with_user(self.collaborator)
            .create({"file": base64.b64encode(raw), "filename": "CII_example4.xml"})
        )
        with self.assertRaises(UserError) as caught:
            wizard.action_import()
        self.assertEqual(
            str(caught.exception),
            "The seller SellerCompany (VAT DK16356706) of invoice TOSL110 is none "
            "of the cabinet's client companies. Choose the client company to "
            "import it into.",
        )

    def test_client_company_the_user_is_not_assigned_to_is_refused(self):
        self._set_client_company(self.client_b)
        with self.assertRaisesRegex(
            UserError, "Boulangerie Imaginaire SAS is not a client company you"
        ):
            self._import("en16931-cii/CII_example4.xml", company=self.client_b)

    def test_file_of_client_a_proposes_client_a(self):
        """The onchange proposes the client whose VAT is the file's seller's."""
        xml = (REAL_DIR / "en16931-cii/CII_example4.xml").read_bytes()
        xml = xml.replace(b"DK16356706", b"FR11123456782")
        form = Form(self.env["cabinet.einvoice.import"].with_user(self.collaborator))
        form.file = base64.b64encode(xml)
        self.assertEqual(form.company_id, self.client_a)
