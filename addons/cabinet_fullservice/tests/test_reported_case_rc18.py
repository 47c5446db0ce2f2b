from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, new_test_user, tagged

from .facturx_common import NS, SETTLEMENT, SUMMATION, FacturxTestCommon

TYPE_CODE = "//rsm:ExchangedDocument/ram:TypeCode"
FRAMEWORK = "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"
REFERENCE = f"{SETTLEMENT}/ram:InvoiceReferencedDocument"


@tagged("post_install", "-at_install")
@freeze_time("2026-10-20")
class TestReportedCaseRc18(FacturxTestCommon):
    """RC-18: a 30 % down payment of an order of 1000.00 HT (TVA 20 %),
    partly credited, then the final invoice that deducts it.

    Choices made with the standard:

    * BT-3 of the deposit is 386 and of its credit note 503 (UNTDID 1001,
      both in BR-FR-04 and in the Factur-X code list of BT-3).
    * Deposits are deducted as lines of quantity -1 (BR-27 keeps the price
      positive), so BT-109 = 750.00, BT-110 = 150.00, BT-112 = 900.00 and no
      BT-113: the deducted VAT is cancelled on the final invoice, which is
      what the lines do; a prepaid BT-113 of 300.00 would leave the VAT of the
      deposit charged twice.
    * BT-23 of the final invoice is letter + 4 ("final after down payment");
      BR-FR-CO-08 forbids 4 on a 386/503, so those keep letter + 1.
    * BG-3 is 0..n in the EN 16931 and EXTENDED XSD of Factur-X 1.09: one
      InvoiceReferencedDocument per deposit document. Its TypeCode is
      "marked as not used" by the EN 16931 schematron (a blocking report),
      so it is given in EXTENDED only, and there only for codes of its list
      51, which has 386 but not 503.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lea = new_test_user(
            cls.env,
            login="lea.rc18",
            name="Léa Comptable",
            groups="base.group_user,"
            "cabinet_fullservice.cabinet_fullservice_group_collaborator",
            company_id=cls.client_a.id,
            company_ids=[Command.set((cls.firm | cls.client_a).ids)],
        )

    # -------------------------------------------------------------------------
    # HELPERS
    # -------------------------------------------------------------------------

    def _post_deposit_and_credit_note(self):
        deposit = self._create_client_invoice(
            self.client_a,
            self.buyer_b1,
            [("Acompte 30 % sur commande", 1, 300.0, 20.0)],
            invoice_date="2026-09-01",
        )
        deposit.cabinet_is_down_payment = True
        deposit.action_post()
        credit_note = deposit._reverse_moves(
            [{"invoice_date": "2026-09-05", "ref": "Avoir partiel sur acompte"}]
        )
        credit_note.invoice_line_ids.price_unit = 50.0
        credit_note.action_post()
        return deposit, credit_note

    def _post_final_invoice(self, deposit, credit_note):
        final = self._create_client_invoice(
            self.client_a,
            self.buyer_b1,
            [
                ("Commande", 1, 1000.0, 20.0),
                (f"Acompte {deposit.name}", -1, 300.0, 20.0),
                (f"Avoir sur acompte {credit_note.name}", 1, 50.0, 20.0),
            ],
            invoice_date="2026-10-01",
        ).with_user(self.lea)
        final.cabinet_down_payment_ids = deposit | credit_note
        final.action_post()
        return final

    # -------------------------------------------------------------------------
    # Tests
    # -------------------------------------------------------------------------

    def test_down_payment_invoice_is_typed_386(self):
        deposit, _credit_note = self._post_deposit_and_credit_note()
        self.assertRecordValues(deposit, [{"amount_total": 360.0}])
        tree, errors = self._xml_tree(deposit)
        self.assertFalse(errors)
        self._assert_xml_values(
            tree,
            {
                TYPE_CODE: "386",
                FRAMEWORK: "S1",
                f"{SUMMATION}/ram:TaxBasisTotalAmount": "300.00",
                f"{SUMMATION}/ram:GrandTotalAmount": "360.00",
            },
        )
        self.assertFalse(tree.xpath(REFERENCE, namespaces=NS))
        self._validate_xml(deposit)

    def test_credit_note_of_a_down_payment_is_503_citing_it(self):
        deposit, credit_note = self._post_deposit_and_credit_note()
        tree, errors = self._xml_tree(credit_note)
        self.assertFalse(errors)
        self._assert_xml_values(
            tree,
            {
                TYPE_CODE: "503",
                # Odoo offsets the credit note against the open deposit when
                # posting it, so RC-17 makes it "already paid" (BT-113 =
                # BT-112, BR-FR-CO-09); BR-FR-CO-08 only forbids S4 here.
                FRAMEWORK: "S2",
                f"{SUMMATION}/ram:DuePayableAmount": "0.00",
                f"{SUMMATION}/ram:TaxBasisTotalAmount": "50.00",
                f"{SUMMATION}/ram:GrandTotalAmount": "60.00",
                f"{REFERENCE}/ram:IssuerAssignedID": deposit.name,
                f"{REFERENCE}//qdt:DateTimeString": "20260901",
            },
        )
        # BR-FR-CO-05: a 503 must cite the invoice it credits.
        self._validate_xml(credit_note)

    def test_flagged_refund_without_origin_is_also_503(self):
        refund = self._create_client_invoice(
            self.client_a,
            self.buyer_b1,
            [("Remboursement acompte", 1, 50.0, 20.0)],
            move_type="out_refund",
        )
        refund.cabinet_is_down_payment = True
        refund.action_post()
        tree, _errors = self._xml_tree(refund)
        self.assertEqual(self._value(tree, TYPE_CODE), "503")
        # Without the credited deposit BR-FR-CO-05 fails, as it must.
        self._validate_xml(refund, expected_fatal=["BR-FR-CO-05_BT-3"])

    def test_final_invoice_deducts_and_cites_each_deposit_document(self):
        deposit, credit_note = self._post_deposit_and_credit_note()
        final = self._post_final_invoice(deposit, credit_note)
        self.assertRecordValues(
            final,
            [{"amount_untaxed": 750.0, "amount_tax": 150.0, "amount_total": 900.0}],
        )
        tree, errors = self._xml_tree(final)
        self.assertFalse(errors)
        self._assert_xml_values(
            tree,
            {
                TYPE_CODE: "380",
                FRAMEWORK: "S4",
                f"{SUMMATION}/ram:TaxBasisTotalAmount": "750.00",
                f"{SUMMATION}/ram:TaxTotalAmount": "150.00",
                f"{SUMMATION}/ram:GrandTotalAmount": "900.00",
                f"{SUMMATION}/ram:DuePayableAmount": "900.00",
                f"{REFERENCE}/ram:IssuerAssignedID": [deposit.name, credit_note.name],
                f"{REFERENCE}//qdt:DateTimeString": ["20260901", "20260905"],
            },
        )
        self.assertFalse(
            tree.xpath(f"{SUMMATION}/ram:TotalPrepaidAmount", namespaces=NS)
        )
        self.assertFalse(tree.xpath(f"{REFERENCE}/ram:TypeCode", namespaces=NS))
        self._validate_xml(final)

    def test_final_invoice_in_extended_gives_the_deposit_type(self):
        self.mandate_a.firm_as_invoicer = True
        deposit, credit_note = self._post_deposit_and_credit_note()
        final = self._post_final_invoice(deposit, credit_note)
        tree, _errors = self._xml_tree(final)
        self._assert_xml_values(
            tree,
            {
                FRAMEWORK: "S4",
                f"{REFERENCE}/ram:IssuerAssignedID": [deposit.name, credit_note.name],
                # 503 is not in the EXTENDED code list 51: left out.
                f"{REFERENCE}/ram:TypeCode": ["386"],
            },
        )
        self._validate_xml(final)

    def test_goods_final_invoice_is_b4(self):
        self.client_a.cabinet_operation_category = "goods"
        deposit, credit_note = self._post_deposit_and_credit_note()
        final = self._post_final_invoice(deposit, credit_note)
        tree, _errors = self._xml_tree(final)
        self.assertEqual(self._value(tree, FRAMEWORK), "B4")
        self._validate_xml(final)

    def test_collaborator_flags_and_deducts_deposits_on_the_form(self):
        deposit, credit_note = self._post_deposit_and_credit_note()
        # CA active, the firm also selected: the mandate note reads the firm.
        moves = (
            self.env["account.move"]
            .with_user(self.lea)
            .with_context(allowed_company_ids=[self.client_a.id, self.firm.id])
        )
        with Form(moves.with_context(default_move_type="out_invoice")) as form:
            form.partner_id = self.buyer_b1
            form.invoice_date = "2026-10-01"
            with form.invoice_line_ids.new() as line:
                line.name = "Commande"
                line.price_unit = 1000.0
                line.tax_ids.set(self._client_tax(self.client_a, 20.0))
            with form.invoice_line_ids.new() as line:
                line.name = f"Acompte {deposit.name}"
                line.quantity = -1
                line.price_unit = 250.0
                line.tax_ids.set(self._client_tax(self.client_a, 20.0))
            form.cabinet_down_payment_ids.add(deposit)
            form.cabinet_down_payment_ids.add(credit_note)
        final = form.record
        final.action_post()
        self.assertRecordValues(
            final,
            [
                {
                    "amount_total": 900.0,
                    "cabinet_is_down_payment": False,
                    "cabinet_down_payment_ids": (deposit | credit_note).ids,
                }
            ],
        )
        tree, _errors = self._xml_tree(final)
        self.assertEqual(self._value(tree, FRAMEWORK), "S4")
        self._validate_xml(final)
