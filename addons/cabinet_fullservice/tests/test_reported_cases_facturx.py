import io
import zipfile
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.pdf import DictionaryObject, NameObject, PdfWriter

from odoo.addons.cabinet_fullservice.tools import facturx_pdf, validator

from .facturx_common import BUYER, NS, SELLER, SETTLEMENT, SUMMATION, FacturxTestCommon

LINE = "//ram:IncludedSupplyChainTradeLineItem"


def _blank_pdf():
    """A one-page PDF standing in for wkhtmltopdf's output.

    The page declares an (empty) font dictionary like every rendered page:
    Odoo's PDF/A conversion walks it to fix glyph widths with fonttools.
    """
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject()}
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


TAX = f"{SETTLEMENT}/ram:ApplicableTradeTax"


@tagged("post_install", "-at_install")
@freeze_time("2026-10-20")
class TestReportedCasesFacturx(FacturxTestCommon):
    """The reported cases of shared/cases/reported.md, on the XML we issue.

    Each XML is also run through the send gate (XSD, Factur-X schematron of
    its profile, BR-FR) with the real out-of-process validator.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lea = new_test_user(
            cls.env,
            login="lea.comptable.fx",
            name="Léa Comptable",
            email="lea.comptable@cabinet-exemple.example",
            groups="base.group_user,"
            "cabinet_fullservice.cabinet_fullservice_group_collaborator",
            company_id=cls.firm.id,
            company_ids=[Command.set((cls.firm | cls.client_a | cls.client_b).ids)],
        )

    # -------------------------------------------------------------------------
    # HELPERS
    # -------------------------------------------------------------------------

    def _create_tax(self, name, category, exemption_code=None, company=None):
        company = company or self.client_a
        return self.env["account.tax"].create(
            {
                "name": name,
                "company_id": company.id,
                "type_tax_use": "sale",
                "amount_type": "percent",
                "amount": 0.0,
                "country_id": self.france.id,
                "ubl_cii_tax_category_code": category,
                "ubl_cii_tax_exemption_reason_code": exemption_code,
            }
        )

    def _invoice_with_taxes(self, lines, partner=None, company=None, post=True):
        """:param lines: (name, quantity, price, account.tax) tuples"""
        company = company or self.client_a
        invoice = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "partner_id": (partner or self.buyer_b1).id,
                    "invoice_date": "2026-09-01",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": name,
                                "quantity": quantity,
                                "price_unit": price,
                                "tax_ids": [Command.set(tax.ids)],
                            }
                        )
                        for name, quantity, price, tax in lines
                    ],
                }
            )
        )
        if post:
            invoice.action_post()
        return invoice

    def _register_payment(self, invoice, amount, date):
        return (
            self.env["account.payment.register"]
            .with_company(invoice.company_id)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": date})
            ._create_payments()
        )

    # -------------------------------------------------------------------------
    # Tests
    # -------------------------------------------------------------------------

    def test_rc01_line_totals_round_half_up_on_exact_decimals(self):
        # Price precision 3 decimals, rounding per line, as in the case. The
        # document allowance of 5.00 is an invoice line of -5.00 in Odoo: it
        # is issued as quantity -1 x 5.00 (BR-27), so BT-106 includes it and
        # BT-107 is absent; BT-109/110/112 are the case's values.
        self.env.ref("product.decimal_price").digits = 3
        self.client_a.tax_calculation_rounding_method = "round_per_line"
        invoice = self._post_client_invoice(
            [
                ("Vis inox A2", 3, 3.335, 20.0),
                ("Vis inox A4", 3, 3.335, 20.0),
                ("Remise commerciale", 1, -5.0, 20.0),
            ]
        )
        tree, errors = self._xml_tree(invoice)
        self.assertFalse(errors)
        self._assert_xml_values(
            tree,
            {
                f"{LINE}//ram:LineTotalAmount": ["10.01", "10.01", "-5.00"],
                f"{LINE}//ram:NetPriceProductTradePrice/ram:ChargeAmount": [
                    "3.335",
                    "3.335",
                    "5.00",
                ],
                f"{LINE}//ram:BilledQuantity": ["3.0", "3.0", "-1.0"],
                f"{SUMMATION}/ram:LineTotalAmount": "15.02",
                f"{SUMMATION}/ram:TaxBasisTotalAmount": "15.02",
                f"{SUMMATION}/ram:TaxTotalAmount": "3.00",
                f"{SUMMATION}/ram:GrandTotalAmount": "18.02",
                f"{SUMMATION}/ram:DuePayableAmount": "18.02",
            },
        )
        self.assertFalse(tree.xpath(f"{SUMMATION}/ram:RoundingAmount", namespaces=NS))
        self._validate_xml(invoice)

    def test_rc03_single_tax_total_carries_currency(self):
        invoice = self._post_client_invoice([("Conseil", 1, 100.0, 20.0)])
        tree, _errors = self._xml_tree(invoice)
        self._assert_xml_values(
            tree,
            {
                f"{SUMMATION}/ram:TaxTotalAmount[@currencyID='EUR']": "20.00",
                f"{SUMMATION}/ram:GrandTotalAmount": "120.00",
                f"{SUMMATION}/*[@currencyID]/@currencyID": ["EUR"],
            },
        )
        self.assertFalse(tree.xpath(f"{SETTLEMENT}/ram:TaxCurrencyCode", namespaces=NS))
        self._validate_xml(invoice)

    def test_rc04_foreign_currency_invoice_gives_vat_in_eur(self):
        usd = self.env.ref("base.USD")
        usd.active = True
        self.env["res.currency.rate"].create(
            {
                "name": "2026-09-01",
                "rate": 1.0850,
                "currency_id": usd.id,
                "company_id": self.client_a.id,
            }
        )
        invoice = self._create_client_invoice(
            self.client_a, self.buyer_b1, [("Licence logicielle", 1, 1000.0, 20.0)]
        )
        invoice.currency_id = usd
        invoice.action_post()
        tree, _errors = self._xml_tree(invoice)
        self._assert_xml_values(
            tree,
            {
                f"{SETTLEMENT}/ram:InvoiceCurrencyCode": "USD",
                f"{SETTLEMENT}/ram:TaxCurrencyCode": "EUR",
                f"{SUMMATION}/ram:TaxBasisTotalAmount": "1000.00",
                f"{SUMMATION}/ram:TaxTotalAmount[@currencyID='USD']": "200.00",
                f"{SUMMATION}/ram:TaxTotalAmount[@currencyID='EUR']": "184.33",
                f"{SUMMATION}/ram:GrandTotalAmount": "1200.00",
            },
        )
        self._validate_xml(invoice)

    def test_rc06_global_discount_line_is_minus_one_times_positive_price(self):
        invoice = self._post_client_invoice(
            [
                ("Article A", 1, 97.59, 20.0),
                ("Article B", 1, 95.34, 20.0),
                ("Article C", 1, 88.21, 20.0),
                ("Remise globale 3 %", 1, -8.43, 20.0),
            ]
        )
        tree, _errors = self._xml_tree(invoice)
        self._assert_xml_values(
            tree,
            {
                f"{LINE}[4]//ram:BilledQuantity": "-1.0",
                f"{LINE}[4]//ram:NetPriceProductTradePrice/ram:ChargeAmount": "8.43",
                f"{LINE}[4]//ram:LineTotalAmount": "-8.43",
                f"{SUMMATION}/ram:LineTotalAmount": "272.71",
                f"{SUMMATION}/ram:TaxBasisTotalAmount": "272.71",
                f"{SUMMATION}/ram:TaxTotalAmount": "54.54",
                f"{SUMMATION}/ram:GrandTotalAmount": "327.25",
                f"{SUMMATION}/ram:DuePayableAmount": "327.25",
            },
        )
        prices = self._values(
            tree, f"{LINE}//ram:NetPriceProductTradePrice/ram:ChargeAmount"
        )
        self.assertTrue(all(not price.startswith("-") for price in prices))
        self._validate_xml(invoice)

    def test_rc07_credit_note_is_381_positive_with_invoice_reference(self):
        original = self._post_client_invoice(
            [("Formation", 2, 50.0, 20.0)], invoice_date="2026-08-20"
        )
        credit_note = original._reverse_moves(
            [{"invoice_date": "2026-09-05", "ref": "Annulation"}]
        )
        credit_note.action_post()
        tree, errors = self._xml_tree(credit_note)
        self.assertFalse(errors)
        self._assert_xml_values(
            tree,
            {
                "//rsm:ExchangedDocument/ram:TypeCode": "381",
                f"{LINE}//ram:BilledQuantity": "2.0",
                f"{LINE}//ram:NetPriceProductTradePrice/ram:ChargeAmount": "50.00",
                f"{LINE}//ram:LineTotalAmount": "100.00",
                f"{SUMMATION}/ram:GrandTotalAmount": "120.00",
                f"{SETTLEMENT}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID": (
                    original.name
                ),
                f"{SETTLEMENT}/ram:InvoiceReferencedDocument//qdt:DateTimeString": (
                    "20260820"
                ),
            },
        )
        self._validate_xml(credit_note)

    def test_rc07_partial_credit_note_negative_line(self):
        original = self._post_client_invoice([("Formation", 2, 50.0, 20.0)])
        credit_note = self._create_client_invoice(
            self.client_a,
            self.buyer_b1,
            [("Formation", 2, 50.0, 20.0), ("Frais annulés", 1, -10.0, 20.0)],
            move_type="out_refund",
        )
        credit_note.reversed_entry_id = original
        credit_note.action_post()
        tree, _errors = self._xml_tree(credit_note)
        self._assert_xml_values(
            tree,
            {
                f"{LINE}[2]//ram:BilledQuantity": "-1.0",
                f"{LINE}[2]//ram:NetPriceProductTradePrice/ram:ChargeAmount": "10.00",
                f"{SUMMATION}/ram:GrandTotalAmount": "108.00",
            },
        )
        self._validate_xml(credit_note)

    def test_rc08_franchise_seller_without_vat_number(self):
        # BR-E-02 in the Factur-X schematron accepts SpecifiedTaxRegistration
        # with scheme VA or FC: a seller without VAT number gives its SIREN as
        # tax registration id (BT-32, FC), the id the French tax office files
        # businesses by. The SIRET (establishment) is not a tax id.
        company = self.setup_other_company(
            **self._company_identity_vals(
                "Jeanne Exemple EI",
                "50505050000014",
                False,
                street="8 impasse Test",
                zip_code="44000",
                city="Nantes",
            )
        )["company"]
        self._create_billing_mandate(company)
        tax = self._create_tax("Franchise", "E", "VATEX-FR-FRANCHISE", company)
        invoice = self._invoice_with_taxes(
            [("Création logo", 1, 500.0, tax)], company=company
        )
        tree, _errors = self._xml_tree(invoice)
        self._assert_xml_values(
            tree,
            {
                f"{SELLER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']": (
                    "505050500"
                ),
                f"{LINE}//ram:CategoryCode": "E",
                f"{LINE}//ram:RateApplicablePercent": "0.0",
                f"{TAX}/ram:CategoryCode": "E",
                f"{TAX}/ram:RateApplicablePercent": "0.0",
                f"{TAX}/ram:ExemptionReasonCode": "VATEX-FR-FRANCHISE",
                f"{SUMMATION}/ram:TaxTotalAmount": "0.00",
                f"{SUMMATION}/ram:GrandTotalAmount": "500.00",
            },
        )
        self.assertTrue(self._value(tree, f"{TAX}/ram:ExemptionReason"))
        self.assertFalse(tree.xpath(f"{SELLER}//ram:ID[@schemeID='VA']", namespaces=NS))
        self._validate_xml(invoice)

    def test_rc09_two_exemption_reasons_block_en16931(self):
        tax_4 = self._create_tax("Exonéré 261 D 4°", "E", "VATEX-FR-CGI261D-4")
        tax_2 = self._create_tax("Exonéré 261 D 2°", "E", "VATEX-FR-CGI261D-2")
        invoice = self._invoice_with_taxes(
            [("Prestation A", 1, 10.0, tax_4), ("Prestation B", 1, 20.0, tax_2)]
        )
        _tree, errors = self._xml_tree(invoice)
        self.assertEqual(len(errors), 1)
        message = next(iter(errors))
        self.assertIn("VATEX-FR-CGI261D-2", message)
        self.assertIn("VATEX-FR-CGI261D-4", message)
        with patch.object(validator, "validate", wraps=validator.validate):
            invoice.action_cabinet_validate()
        self.assertEqual(invoice.cabinet_validation_state, "invalid")
        rules = {item["rule"] for item in invoice.cabinet_validation_report["fatal"]}
        self.assertIn("CABINET-EXPORT", rules)

    def test_rc09_two_exemption_reasons_kept_apart_in_extended(self):
        self.mandate_a.firm_as_invoicer = True
        tax_4 = self._create_tax("Exonéré 261 D 4°", "E", "VATEX-FR-CGI261D-4")
        tax_2 = self._create_tax("Exonéré 261 D 2°", "E", "VATEX-FR-CGI261D-2")
        invoice = self._invoice_with_taxes(
            [("Prestation A", 1, 10.0, tax_4), ("Prestation B", 1, 20.0, tax_2)]
        )
        self.assertEqual(invoice.cabinet_facturx_profile, "extended")
        tree, errors = self._xml_tree(invoice)
        self.assertFalse(errors)
        self._assert_xml_values(
            tree,
            {
                f"{TAX}/ram:BasisAmount": ["10.00", "20.00"],
                f"{TAX}/ram:ExemptionReasonCode": [
                    "VATEX-FR-CGI261D-4",
                    "VATEX-FR-CGI261D-2",
                ],
            },
        )
        self._assert_xml_values(
            tree,
            {
                f"{LINE}//ram:ApplicableTradeTax/ram:ExemptionReasonCode": [
                    "VATEX-FR-CGI261D-4",
                    "VATEX-FR-CGI261D-2",
                ],
            },
        )
        # Only BR-FXEXT-E-08ini/-rev remain, as warnings (FNFE answer).
        report = self._validate_xml(invoice)
        self.assertTrue(
            {"BR-FXEXT-E-08ini", "BR-FXEXT-E-08rev"}
            & {item.rule for item in report.warnings}
        )

    def test_rc10_reverse_charge_next_to_standard_rate(self):
        tax_ae = self._create_tax("Autoliquidation BTP", "AE", "VATEX-EU-AE")
        invoice = self._invoice_with_taxes(
            [
                ("Travaux de plâtrerie lot 3", 1, 10000.0, tax_ae),
                ("Location échafaudage", 1, 300.0, self._client_tax(self.client_a)),
            ]
        )
        tree, _errors = self._xml_tree(invoice)
        self._assert_xml_values(
            tree,
            {
                f"{TAX}/ram:CategoryCode": ["AE", "S"],
                f"{TAX}/ram:BasisAmount": ["10000.00", "300.00"],
                f"{TAX}/ram:CalculatedAmount": ["0.00", "60.00"],
                f"{TAX}/ram:ExemptionReasonCode": ["VATEX-EU-AE"],
                f"{SELLER}/ram:SpecifiedTaxRegistration/ram:ID": "FR11123456782",
                f"{BUYER}/ram:SpecifiedTaxRegistration/ram:ID": "FR14987654324",
                f"{SUMMATION}/ram:GrandTotalAmount": "10360.00",
            },
        )
        self._validate_xml(invoice)

    def test_rc11_identifiers_and_electronic_addresses(self):
        invoice = self._post_client_invoice([("Maintenance", 1, 100.0, 20.0)])
        tree, _errors = self._xml_tree(invoice)
        self._assert_xml_values(
            tree,
            {
                f"{SELLER}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']": (
                    "123456782"
                ),
                f"{SELLER}/ram:GlobalID[@schemeID='0009']": "12345678200010",
                f"{SELLER}/ram:URIUniversalCommunication/ram:URIID[@schemeID='0225']": (
                    "123456782"
                ),
                f"{BUYER}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']": (
                    "987654324"
                ),
                f"{BUYER}/ram:URIUniversalCommunication/ram:URIID[@schemeID='0225']": (
                    "987654324"
                ),
            },
        )
        self.assertFalse(tree.xpath("//ram:GlobalID[@schemeID='0225']", namespaces=NS))
        self._validate_xml(invoice)

    def test_rc11_la_poste_siret_buyer_is_accepted(self):
        buyer = self.env["res.partner"].create(
            {
                "name": "Bureau de poste",
                "is_company": True,
                "company_registry": "35600000000051",
                "country_id": self.france.id,
            }
        )
        invoice = self._post_client_invoice([("Maintenance", 1, 100.0, 20.0)], buyer)
        tree, _errors = self._xml_tree(invoice)
        self.assertEqual(
            self._value(tree, f"{BUYER}/ram:GlobalID[@schemeID='0009']"),
            "35600000000051",
        )
        self._validate_xml(invoice)

    def test_rc12_document_number_checked_at_posting(self):
        invoice = self._create_client_invoice(
            self.client_a, self.buyer_b1, [("Maintenance", 1, 100.0, 20.0)]
        )
        for number in (
            "FA 2026-00001",
            "FÉV/2026/0001",
            "CLIENT-ATELIER-FICTIF-LYON/2026/000000001",
        ):
            message = invoice._cabinet_check_document_number(number)
            self.assertIn(invoice.journal_id.display_name, message)
        self.assertIsNone(invoice._cabinet_check_document_number("FA/2026/00001"))
        invoice.journal_id.code = "FA X"
        invoice.name = "FA 2026/00001"
        with self.assertRaisesRegex(ValidationError, "BR-FR-01/02"):
            invoice.action_post()

    def test_rc17_prepaid_before_issue_is_already_paid(self):
        invoice = self._post_client_invoice(
            [("Prestation", 1, 320.0, 20.0)], invoice_date="2026-09-10"
        )
        self._register_payment(invoice, 384.0, "2026-09-09")
        tree, _errors = self._xml_tree(invoice)
        self._assert_xml_values(
            tree,
            {
                "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID": "S2",
                f"{SUMMATION}/ram:TotalPrepaidAmount": "384.00",
                f"{SUMMATION}/ram:DuePayableAmount": "0.00",
            },
        )
        self._validate_xml(invoice)

    def test_rc17_no_payment_means_no_prepaid_amount(self):
        invoice = self._post_client_invoice(
            [("Prestation", 1, 320.0, 20.0)], invoice_date="2026-09-10"
        )
        tree, _errors = self._xml_tree(invoice)
        self.assertFalse(
            tree.xpath(f"{SUMMATION}/ram:TotalPrepaidAmount", namespaces=NS)
        )
        self.assertEqual(
            self._value(tree, f"{SUMMATION}/ram:DuePayableAmount"), "384.00"
        )
        self._validate_xml(invoice)

    def test_rc17_payment_after_issue_is_not_prepaid(self):
        invoice = self._post_client_invoice(
            [("Prestation", 1, 320.0, 20.0)], invoice_date="2026-09-10"
        )
        self._register_payment(invoice, 100.0, "2026-09-20")
        tree, _errors = self._xml_tree(invoice)
        self.assertFalse(
            tree.xpath(f"{SUMMATION}/ram:TotalPrepaidAmount", namespaces=NS)
        )
        self.assertEqual(
            self._value(tree, f"{SUMMATION}/ram:DuePayableAmount"), "384.00"
        )

    def test_rc21_seller_contact_never_comes_from_the_user(self):
        invoice = (
            self._create_client_invoice(
                self.client_a, self.buyer_b1, [("Conseil", 1, 100.0, 20.0)]
            )
            .with_user(self.lea)
            .with_company(self.client_a)
        )
        invoice.action_post()
        xml = invoice._cabinet_build_facturx_xml()
        self.assertNotIn(b"lea.comptable", xml)
        self.assertNotIn("Léa".encode(), xml)
        tree, _errors = self._xml_tree(invoice)
        self.assertFalse(tree.xpath(f"{SELLER}/ram:DefinedTradeContact", namespaces=NS))
        self.assertEqual(self._value(tree, f"{SELLER}/ram:Name"), "Atelier Fictif SARL")
        self.assertIn("Cabinet Exemple Conseil", xml.decode())
        self._validate_xml(invoice)

    def test_rc21_seller_contact_is_the_configured_invoicing_contact(self):
        contact = self.env["res.partner"].create(
            {
                "name": "Service facturation",
                "parent_id": self.client_a.partner_id.id,
                "email": "facturation@atelier-fictif.example",
            }
        )
        self.client_a.cabinet_invoicing_contact_id = contact
        invoice = self._post_client_invoice([("Conseil", 1, 100.0, 20.0)])
        tree, _errors = self._xml_tree(invoice)
        self._assert_xml_values(
            tree,
            {
                f"{SELLER}/ram:DefinedTradeContact/ram:PersonName": (
                    "Service facturation"
                ),
                f"{SELLER}//ram:EmailURIUniversalCommunication/ram:URIID": (
                    "facturation@atelier-fictif.example"
                ),
            },
        )
        self._validate_xml(invoice)

    def test_extended_profile_names_the_cabinet_as_invoicer(self):
        self.mandate_a.firm_as_invoicer = True
        invoice = self._post_client_invoice([("Conseil", 1, 100.0, 20.0)])
        tree, _errors = self._xml_tree(invoice)
        invoicer = f"{SETTLEMENT}/ram:InvoicerTradeParty"
        self._assert_xml_values(
            tree,
            {
                "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID": (
                    "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended"
                ),
                f"{invoicer}/ram:Name": "Cabinet Exemple Conseil",
                f"{invoicer}/ram:SpecifiedLegalOrganization/ram:ID": "900000001",
                f"{invoicer}/ram:GlobalID[@schemeID='0009']": "90000000100017",
            },
        )
        self.assertFalse(
            tree.xpath("//ram:SellerTaxRepresentativeTradeParty", namespaces=NS)
        )
        self._validate_xml(invoice)

    def test_delivery_address_only_when_different(self):
        invoice = self._post_client_invoice([("Conseil", 1, 100.0, 20.0)])
        tree, _errors = self._xml_tree(invoice)
        self.assertFalse(tree.xpath("//ram:ShipToTradeParty", namespaces=NS))
        site = self.env["res.partner"].create(
            {
                "name": "Chantier Est",
                "type": "delivery",
                "parent_id": self.buyer_b1.id,
                "street": "9 rue du Chantier",
                "zip": "67000",
                "city": "Strasbourg",
                "country_id": self.france.id,
            }
        )
        other = self._create_client_invoice(
            self.client_a, self.buyer_b1, [("Conseil", 1, 100.0, 20.0)]
        )
        other.partner_shipping_id = site
        other.action_post()
        tree, _errors = self._xml_tree(other)
        self.assertEqual(
            self._value(tree, "//ram:ShipToTradeParty//ram:CityName"), "Strasbourg"
        )
        self._validate_xml(other)

    def test_vat_on_debits_is_mentioned(self):
        self.client_a.cabinet_vat_on_debits = True
        invoice = self._post_client_invoice([("Conseil", 1, 100.0, 20.0)])
        tree, _errors = self._xml_tree(invoice)
        notes = self._values(tree, "//ram:IncludedNote/ram:Content")
        self.assertIn("Option pour le paiement de la taxe d'après les débits", notes)
        self.assertEqual(self._value(tree, f"{TAX}/ram:DueDateTypeCode"), "5")
        codes = self._values(tree, "//ram:IncludedNote/ram:SubjectCode")
        for code in ("PMT", "PMD", "AAB"):
            self.assertEqual(codes.count(code), 1)
        self._validate_xml(invoice)

    def _invoice_html(self, invoice):
        html, __ = self.env["ir.actions.report"]._render_qweb_html(
            "account.account_invoices", invoice.ids
        )
        return html.decode()

    def test_rc29_indemnity_mention_from_the_company_for_businesses_only(self):
        """RC-29: the EUR 40 mention comes from the company's settings and
        is printed for a business customer; a consumer's invoice carries no
        such claim (its PMT note says none is due, BR-FR-05 wants one).
        """
        self.client_a.cabinet_note_pmt = (
            "Indemnité forfaitaire pour frais de recouvrement : 40 euros (D441-5)."
        )
        business = self._post_client_invoice([("Conseil", 1, 100.0, 20.0)])
        consumer = self._post_client_invoice(
            [("Conseil", 1, 100.0, 20.0)], partner=self.consumer_p1
        )
        self.assertIn(
            "Indemnité forfaitaire pour frais de recouvrement : 40 euros (D441-5).",
            self._invoice_html(business),
        )
        consumer_html = self._invoice_html(consumer)
        self.assertNotIn("40 euros", consumer_html)
        self.assertIn("Client non professionnel", consumer_html)
        notes = dict(
            zip(
                *(
                    self._values(self._xml_tree(consumer)[0], xpath)
                    for xpath in (
                        "//ram:IncludedNote/ram:SubjectCode",
                        "//ram:IncludedNote/ram:Content",
                    )
                ),
                strict=True,
            )
        )
        self.assertEqual(
            notes["PMT"],
            "Client non professionnel : aucune indemnité forfaitaire pour frais "
            "de recouvrement n'est due (article L441-10 du Code de commerce).",
        )
        self.assertIn("pénalités", notes["PMD"])


@tagged("post_install", "-at_install")
@freeze_time("2026-10-20")
class TestFacturxValidationGate(FacturxTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collaborator = new_test_user(
            cls.env,
            login="gate.collaborator",
            groups="base.group_user,"
            "cabinet_fullservice.cabinet_fullservice_group_collaborator",
            company_id=cls.client_a.id,
            company_ids=[Command.set(cls.client_a.ids)],
        )

    def test_valid_invoice_can_be_sent(self):
        invoice = self._post_client_invoice([("Conseil", 1, 100.0, 20.0)])
        self.assertEqual(invoice.cabinet_validation_state, "to_check")
        self.assertTrue(invoice._cabinet_get_facturx_send_blockers())
        invoice.with_user(self.collaborator).action_cabinet_validate()
        self.assertRecordValues(invoice, [{"cabinet_validation_state": "valid"}])
        self.assertEqual(invoice.cabinet_validation_date.date(), self.TODAY)
        self.assertEqual(invoice.cabinet_validation_report["fatal"], [])
        self.assertFalse(invoice._cabinet_get_facturx_send_blockers())
        report = (
            self.env["ir.attachment"]
            .search([("res_model", "=", "account.move"), ("res_id", "=", invoice.id)])
            .filtered(lambda a: a.name.startswith("validation-report-"))
        )
        self.assertEqual(
            report.name, f"validation-report-{invoice.name.replace('/', '_')}.json"
        )

    def test_buyer_without_siren_is_invalid_and_blocked(self):
        buyer = self.buyer_b1.copy({"company_registry": False, "vat": False})
        invoice = self._post_client_invoice([("Conseil", 1, 100.0, 20.0)], buyer)
        invoice.with_user(self.collaborator).action_cabinet_validate()
        self.assertEqual(invoice.cabinet_validation_state, "invalid")
        rules = {item["rule"] for item in invoice.cabinet_validation_report["fatal"]}
        self.assertTrue(any(rule.startswith("BR-FR-11") for rule in rules), rules)
        self.assertIn("BR-FR-11", invoice.cabinet_validation_html)
        self.assertIn("What to fix", invoice.cabinet_validation_html)
        self.assertTrue(invoice._cabinet_check_can_send())

    def test_unavailable_validator_is_never_valid(self):
        invoice = self._post_client_invoice([("Conseil", 1, 100.0, 20.0)])
        with patch.object(
            validator, "validate", side_effect=validator.ValidatorUnavailable("killed")
        ):
            invoice.action_cabinet_validate()
        self.assertEqual(invoice.cabinet_validation_state, "unavailable")
        self.assertIn("killed", invoice.cabinet_validation_report["error"])
        self.assertTrue(invoice._cabinet_get_facturx_send_blockers())

    def test_change_after_check_resets_to_check(self):
        invoice = self._post_client_invoice([("Conseil", 1, 100.0, 20.0)])
        invoice.action_cabinet_validate()
        self.assertEqual(invoice.cabinet_validation_state, "valid")
        invoice.button_draft()
        with Form(invoice) as form, form.invoice_line_ids.edit(0) as line:
            line.price_unit = 110.0
        invoice.action_post()
        self.assertEqual(invoice.cabinet_validation_state, "to_check")

    def test_other_companies_keep_odoo_output(self):
        invoice = self._create_client_invoice(
            self.firm, self.buyer_b1, [("Conseil", 1, 100.0, 20.0)]
        )
        invoice.action_post()
        tree, _errors = self._xml_tree(invoice)
        self.assertEqual(
            self._value(
                tree, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
            ),
            "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
        )
        self.assertFalse(
            tree.xpath(
                "//ram:BusinessProcessSpecifiedDocumentContextParameter", namespaces=NS
            )
        )

    def test_bulk_export_refuses_other_companies_invoices(self):
        other = self._create_client_invoice(
            self.firm, self.buyer_b1, [("Conseil", 1, 100.0, 20.0)]
        )
        other.action_post()
        wizard = self.env["cabinet.facturx.export"].create(
            {
                "company_id": self.client_a.id,
                "date_from": "2026-09-01",
                "date_to": "2026-09-30",
                "move_ids": [Command.set(other.ids)],
            }
        )
        with self.assertRaisesRegex(UserError, "another company"):
            wizard.action_export()


@tagged("post_install", "-at_install")
class TestFacturxPdf(FacturxTestCommon):
    """PDF paths. wkhtmltopdf is replaced by a one-page PDF: in a test
    transaction it would wait for assets served by this same server. What is
    tested is the container built around the rendered pages.
    """

    def setUp(self):
        super().setUp()
        patcher = patch.object(
            type(self.env["ir.actions.report"]),
            "_run_wkhtmltopdf",
            lambda *args, **kwargs: _blank_pdf(),
        )
        patcher.start()
        self.addCleanup(patcher.stop)

    def _register_payment(self, invoice, amount, date):
        return TestReportedCasesFacturx._register_payment(self, invoice, amount, date)

    def _send(self, invoice):
        """Send through Odoo's flow (download), after the validation gate."""
        invoice.action_cabinet_validate()
        self.assertEqual(invoice.cabinet_validation_state, "valid")
        self.env["account.move.send"].with_context(
            force_report_rendering=True
        )._generate_and_send_invoices(
            invoice, sending_methods=["manual"], allow_fallback_pdf=False
        )
        self.assertTrue(invoice.is_move_sent)

    def test_rc14_every_pdf_path_embeds_one_identical_facturx(self):
        invoice = self._post_client_invoice([("Conseil", 1, 100.0, 20.0)])
        rendering = invoice.with_context(force_report_rendering=True)
        printed = rendering._cabinet_get_facturx_pdf()
        self._send(invoice)
        sent = invoice.invoice_pdf_report_id.raw
        reprinted = invoice._get_invoice_legal_documents("pdf")["content"]
        exported = invoice._cabinet_get_facturx_pdf()
        self.assertEqual(reprinted, sent, "a re-print serves the stored legal PDF")
        self.assertEqual(exported, sent)
        xmls = set()
        for pdf in (printed, sent):
            files, af_names = facturx_pdf.get_embedded_files(pdf)
            self.assertEqual(list(files), ["factur-x.xml"])
            self.assertEqual(af_names, ["factur-x.xml"])
            xml, relationship, subtype = files["factur-x.xml"]
            self.assertEqual(relationship, "/Data")
            self.assertEqual(subtype, "/text/xml")
            xmp = facturx_pdf.get_xmp(pdf)
            self.assertIn(b"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>", xmp)
            self.assertIn(b"<pdfaid:part>3</pdfaid:part>", xmp)
            xmls.add(xml)
        self.assertEqual(len(xmls), 1, "all paths embed byte-identical XML")
        self.assertEqual(xmls.pop(), invoice.cabinet_facturx_xml_id.raw)

    def test_rc17_later_payment_never_rewrites_the_issued_xml(self):
        invoice = self._post_client_invoice(
            [("Prestation", 1, 320.0, 20.0)], invoice_date="2026-09-10"
        )
        self._send(invoice)
        issued = invoice.cabinet_facturx_xml_id.raw
        self._register_payment(invoice, 100.0, "2026-09-20")
        with freeze_time("2026-09-21"):
            xml = invoice._cabinet_build_facturx_xml()
        self.assertEqual(xml, issued)
        tree, _errors = self._xml_tree(invoice)
        self.assertEqual(
            self._value(tree, f"{SUMMATION}/ram:DuePayableAmount"), "384.00"
        )

    def test_bulk_export_zips_the_company_pdfs(self):
        invoices = self._post_client_invoice(
            [("Conseil", 1, 100.0, 20.0)]
        ) | self._post_client_invoice([("Audit", 1, 200.0, 20.0)])
        wizard = (
            self.env["cabinet.facturx.export"]
            .with_company(self.client_a)
            .create(
                {
                    "company_id": self.client_a.id,
                    "date_from": "2026-09-01",
                    "date_to": "2026-09-30",
                }
            )
        )
        action = wizard.with_context(force_report_rendering=True).action_export()
        self.assertIn(str(wizard.attachment_id.id), action["url"])
        with zipfile.ZipFile(io.BytesIO(wizard.attachment_id.raw)) as archive:
            names = archive.namelist()
            self.assertEqual(
                sorted(names),
                sorted(f"{m.name.replace('/', '_')}.pdf" for m in invoices),
            )
            for name in names:
                files, _af = facturx_pdf.get_embedded_files(archive.read(name))
                self.assertEqual(list(files), ["factur-x.xml"])
