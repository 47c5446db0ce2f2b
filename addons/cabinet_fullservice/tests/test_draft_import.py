import base64
import io
from pathlib import Path

from freezegun import freeze_time
from openpyxl import Workbook

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import CabinetTestCommon

HEADER = (
    "client_siren;invoice_ref;move_type;invoice_date;due_date;currency;"
    "customer_name;customer_siret;customer_vat;customer_street;customer_zip;"
    "customer_city;customer_country;customer_email;line_description;quantity;"
    "unit_price;vat_rate;vat_exemption_reason"
)
TEMPLATE = (
    Path(__file__).resolve().parents[1]
    / "static"
    / "templates"
    / "draft_invoices_template.csv"
)


@tagged("post_install", "-at_install")
@freeze_time("2026-10-20")
class TestDraftImport(CabinetTestCommon):
    """Spreadsheet intake of draft invoices, as an assigned collaborator."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_client_company(cls.client_a)
        cls._set_client_company(cls.client_b)
        cls.collaborator = new_test_user(
            cls.env,
            login="draft_import_collaborator",
            groups="base.group_user,base.group_partner_manager,"
            "cabinet_fullservice.cabinet_fullservice_group_collaborator",
            company_id=cls.firm.id,
            company_ids=[Command.set(cls.firm.ids)],
        )
        # Assigned to client A only: client B stays out of reach.
        cls.client_a.sudo().cabinet_collaborator_ids = [
            Command.link(cls.collaborator.id)
        ]

    def _import(self, raw, filename):
        wizard = (
            self.env["cabinet.draft.import"]
            .with_user(self.collaborator)
            .create({"file": base64.b64encode(raw), "filename": filename})
        )
        action = wizard.action_import()
        return self.env["account.move"].search(action["domain"], order="id")

    def _csv(self, *rows):
        return "\r\n".join((HEADER, *rows)).encode("cp1252")

    def test_french_excel_csv_creates_drafts_in_the_client_company(self):
        raw = self._csv(
            "123456782;F-0001;invoice;01/09/2026;01/10/2026;EUR;Client Modèle SA;"
            "98765432400019;;;;;;;Tenue de comptabilité;1;450,00;20;",
            "123 456 782;F-0001;invoice;01/09/2026;01/10/2026;EUR;Client Modèle SA;"
            "98765432400019;;;;;;;Livres techniques;3;12,50;5,5;",
            "123456782;AV-0001;credit_note;15/09/2026;;;Voorbeeld BV;;BE0123456749;"
            ";;;BE;;Livraison intracommunautaire;2;50;0;VATEX-EU-IC",
        )
        moves = self._import(raw, "brouillons.csv")
        self.assertRecordValues(
            moves,
            [
                {
                    "company_id": self.client_a.id,
                    "state": "draft",
                    "move_type": "out_invoice",
                    "ref": "F-0001",
                    "partner_id": self.buyer_b1.id,
                    "invoice_date": self.env["account.move"]
                    ._fields["invoice_date"]
                    .to_date("2026-09-01"),
                    "amount_untaxed": 487.50,
                    "amount_tax": 92.06,
                    "amount_total": 579.56,
                },
                {
                    "company_id": self.client_a.id,
                    "state": "draft",
                    "move_type": "out_refund",
                    "ref": "AV-0001",
                    "partner_id": self.buyer_b4.id,
                    "invoice_date": self.env["account.move"]
                    ._fields["invoice_date"]
                    .to_date("2026-09-15"),
                    "amount_untaxed": 100.0,
                    "amount_tax": 0.0,
                    "amount_total": 100.0,
                },
            ],
        )
        self.assertEqual(
            moves[1].invoice_line_ids.tax_ids.ubl_cii_tax_category_code, "K"
        )
        self.assertEqual(moves.currency_id.name, "EUR")
        self.assertEqual(str(moves[0].invoice_date_due), "2026-10-01")

    def test_xlsx_with_real_dates_and_numbers_creates_the_draft(self):
        book = Workbook()
        sheet = book.active
        sheet.append(HEADER.split(";"))
        sheet.append(
            [
                123456782,
                "F-0100",
                "invoice",
                self.env["account.move"]._fields["invoice_date"].to_date("2026-10-05"),
                None,
                "EUR",
                "Nouveau Client SARL",
                "77777777200016",
                None,
                "2 rue Neuve",
                "59000",
                "Lille",
                "FR",
                "compta@nouveau.example",
                "Conseil",
                2,
                125.25,
                10,
                None,
            ]
        )
        buffer = io.BytesIO()
        book.save(buffer)
        moves = self._import(buffer.getvalue(), "drafts.xlsx")
        self.assertRecordValues(
            moves,
            [
                {
                    "company_id": self.client_a.id,
                    "move_type": "out_invoice",
                    "amount_untaxed": 250.50,
                    "amount_tax": 25.05,
                    "amount_total": 275.55,
                }
            ],
        )
        # The SIRET matched the shared partner Dupont & Fils.
        self.assertEqual(moves.partner_id, self.buyer_b2)

    def test_new_customer_is_created_within_the_client_company(self):
        raw = self._csv(
            "123456782;F-0200;;2026-10-01;;;Nouvelle Boutique SAS;;;1 rue Neuve;"
            "69002;Lyon;FR;achats@boutique.example;Conseil;1;100;20;"
        )
        moves = self._import(raw, "drafts.csv")
        self.assertRecordValues(
            moves.partner_id,
            [{"name": "Nouvelle Boutique SAS", "company_id": self.client_a.id}],
        )

    def test_three_bad_rows_are_all_listed_and_nothing_is_created(self):
        raw = self._csv(
            "123456782;F-0300;invoice;31/02/2026;;;Client Modèle SA;98765432400019;"
            ";;;;;;Conseil;1;100;20;",
            "123456782;F-0301;invoice;01/09/2026;;;Client Modèle SA;98765432400019;"
            ";;;;;;Conseil;un;100;20;",
            "123456782;F-0302;invoice;01/09/2026;;;Client Modèle SA;98765432400019;"
            ";;;;;;Conseil;1;100;19,6;",
            "123456782;F-0303;invoice;01/09/2026;;;Client Modèle SA;98765432400019;"
            ";;;;;;Conseil;1;100;20;",
        )
        moves_before = self.env["account.move"].search_count([])
        with self.assertRaises(UserError) as caught:
            self._import(raw, "drafts.csv")
        self.assertEqual(
            str(caught.exception),
            "Nothing was imported: 3 problems to fix in the spreadsheet.\n"
            "Row 2, column invoice_date, value '31/02/2026': write the date as "
            "YYYY-MM-DD or DD/MM/YYYY.\n"
            "Row 3, column quantity, value 'un': write a number, e.g. 12,50 or "
            "12.50.\n"
            "Row 4, column vat_rate, value '19,6': use a French VAT rate: 20, 10, "
            "5.5, 2.1 or 0.",
        )
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)

    def test_row_for_a_client_the_collaborator_is_not_assigned_to_is_refused(self):
        raw = self._csv(
            "111222337;B-0001;invoice;01/09/2026;;;Client Modèle SA;98765432400019;"
            ";;;;;;Pains;10;1,20;5,5;"
        )
        moves_before = self.env["account.move"].sudo().search_count([])
        with self.assertRaisesRegex(
            UserError,
            "Row 2, column client_siren, value '111222337': no client company you "
            "are assigned to has this SIREN",
        ):
            self._import(raw, "drafts.csv")
        self.assertEqual(self.env["account.move"].sudo().search_count([]), moves_before)

    def test_shipped_template_imports_as_it_is(self):
        moves = self._import(TEMPLATE.read_bytes(), TEMPLATE.name)
        self.assertRecordValues(
            moves,
            [
                {"move_type": "out_invoice", "amount_total": 579.56},
                {"move_type": "out_refund", "amount_total": 100.0},
            ],
        )
