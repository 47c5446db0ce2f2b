from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CabinetTestCommon


@tagged("post_install", "-at_install")
class TestCompanyIdentity(CabinetTestCommon):
    def test_einvoice_address_defaults_to_siren(self):
        self.assertRecordValues(
            self.client_a,
            [{"cabinet_siren": "123456782", "cabinet_einvoice_address": "123456782"}],
        )
        self.assertEqual(self.buyer_b1.cabinet_einvoice_address, "987654324")
        self.assertFalse(self.buyer_b4.cabinet_einvoice_address)
        self.assertFalse(self.consumer_p1.cabinet_einvoice_address)

    def test_contact_moved_to_another_company_takes_its_address(self):
        contact = self.env["res.partner"].create(
            {"name": "Paul Achat", "parent_id": self.buyer_b1.id, "type": "contact"}
        )
        self.assertEqual(contact.cabinet_einvoice_address, "987654324")
        contact.parent_id = self.client_a.partner_id
        self.assertEqual(contact.cabinet_einvoice_address, "123456782")

    def test_einvoice_address_with_siret_suffix_accepted(self):
        self.client_a.cabinet_einvoice_address = "123456782_12345678200010"
        self.assertEqual(
            self.client_a.partner_id.cabinet_einvoice_address,
            "123456782_12345678200010",
        )

    def test_einvoice_address_with_forbidden_characters_refused(self):
        for address in ("123 456 782", "123456782_clé", "123456782@atelier"):
            with (
                self.subTest(address=address),
                self.assertRaisesRegex(ValidationError, "without spaces or accents"),
            ):
                self.client_a.cabinet_einvoice_address = address

    def test_einvoice_address_over_125_characters_refused(self):
        with self.assertRaisesRegex(ValidationError, "at most 125"):
            self.buyer_b1.cabinet_einvoice_address = "987654324_" + "A" * 116

    def test_einvoice_address_of_another_siren_refused(self):
        with self.assertRaisesRegex(ValidationError, "must start with its SIREN"):
            self.client_a.cabinet_einvoice_address = "987654324"

    def test_client_company_without_siren_refused(self):
        company = self.env["res.company"].create(
            {"name": "Sans Identifiant SAS", "country_id": self.france.id}
        )
        with self.assertRaisesRegex(ValidationError, "Company ID field"):
            company.cabinet_is_client = True

    def test_default_mandatory_notes_are_french_legal_mentions(self):
        self.assertIn("40 euros", self.client_a.cabinet_note_pmt)
        self.assertIn("D441-5", self.client_a.cabinet_note_pmt)
        self.assertIn(
            "trois fois le taux d'intérêt légal", self.client_a.cabinet_note_pmd
        )
        self.assertIn("jour suivant la date d'échéance", self.client_a.cabinet_note_pmd)
        self.assertEqual(
            self.client_a.cabinet_note_aab,
            "Aucun escompte n'est accordé en cas de paiement anticipé.",
        )

    def test_siret_typo_refused_at_partner_create(self):
        with self.assertRaisesRegex(ValidationError, "98765432500019.*checksum"):
            self.env["res.partner"].create(
                {
                    "name": "Client Modèle SA (faute de frappe)",
                    "is_company": True,
                    "country_id": self.france.id,
                    "company_registry": "98765432500019",
                }
            )

    def test_siren_typo_refused_at_partner_save(self):
        with self.assertRaisesRegex(ValidationError, "987654325.*checksum"):
            self.buyer_b1.write({"vat": False, "company_registry": "987654325"})

    def test_la_poste_siret_accepted(self):
        branch = self.env["res.partner"].create(
            {
                "name": "La Poste - établissement",
                "is_company": True,
                "country_id": self.france.id,
                "company_registry": "35600000000051",
            }
        )
        self.assertEqual(branch._get_siret(), "35600000000051")
        self.assertRecordValues(
            branch,
            [{"cabinet_einvoice_address": "356000000", "cabinet_is_business": True}],
        )

    def test_business_customers_are_companies_or_registered(self):
        sole_trader = self.env["res.partner"].create(
            {
                "name": "Jeanne Exemple EI",
                "country_id": self.france.id,
                "company_registry": "50505050000014",
            }
        )
        partners = self.buyer_b1 | self.buyer_b4 | sole_trader | self.consumer_p1
        self.assertEqual(
            partners.mapped("cabinet_is_business"), [True, True, True, False]
        )
