import base64

from odoo import Command, fields

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class CabinetTestCommon(AccountTestInvoicingCommon):
    """Cabinet, two client companies and their customers.

    The identities are the invented fixtures of the reported cases: the firm
    (ACC) is the main test company, CA and CB are client companies, B1 to B4,
    BP and P1 are customers. SIREN, SIRET and VAT numbers carry valid keys.
    """

    TODAY = fields.Date.from_string("2026-10-20")

    @classmethod
    @AccountTestInvoicingCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls.france = cls.env.ref("base.fr")
        cls.firm = cls.company_data["company"]
        cls.firm.write(
            cls._company_identity_vals(
                "Cabinet Exemple Conseil",
                "90000000100017",
                "FR68900000001",
                street="1 rue du Cabinet",
                zip_code="75008",
                city="Paris",
            )
        )
        cls.client_a_data = cls.setup_other_company(
            **cls._company_identity_vals(
                "Atelier Fictif SARL",
                "12345678200010",
                "FR11123456782",
                street="12 rue de l'Exemple",
                zip_code="69001",
                city="Lyon",
                email="facturation@atelier-fictif.example",
            )
        )
        cls.client_a = cls.client_a_data["company"]
        cls.client_b_data = cls.setup_other_company(
            **cls._company_identity_vals(
                "Boulangerie Imaginaire SAS",
                "11122233700011",
                "FR21111222337",
                street="3 place Imaginaire",
                zip_code="33000",
                city="Bordeaux",
                email="contact@boulangerie-imaginaire.example",
            )
        )
        cls.client_b = cls.client_b_data["company"]
        cls._create_customers()

    # -------------------------------------------------------------------------
    # HELPERS
    # -------------------------------------------------------------------------

    @classmethod
    def _company_identity_vals(
        cls, name, siret, vat, street, zip_code, city, email=None
    ):
        return {
            "name": name,
            "company_registry": siret,
            "vat": vat,
            "street": street,
            "zip": zip_code,
            "city": city,
            "country_id": cls.env.ref("base.fr").id,
            "email": email,
        }

    @classmethod
    def _create_customers(cls):
        Partner = cls.env["res.partner"]
        cls.buyer_b1 = Partner.create(
            {
                "name": "Client Modèle SA",
                "is_company": True,
                "street": "5 avenue du Test",
                "zip": "75011",
                "city": "Paris",
                "country_id": cls.france.id,
                "company_registry": "98765432400019",
                "vat": "FR14987654324",
                "email": "compta@client-modele.example",
            }
        )
        cls.buyer_b2 = Partner.create(
            {
                "name": "Dupont & Fils <Négoce> SARL",
                "is_company": True,
                "street": "Zone d'activité « Les Éoliennes »",
                "zip": "59000",
                "city": "Lille",
                "country_id": cls.france.id,
                "company_registry": "77777777200016",
                "vat": "FR74777777772",
                "email": "achats@dupont-fils.example",
            }
        )
        cls.buyer_b4 = Partner.create(
            {
                "name": "Voorbeeld BV",
                "is_company": True,
                "street": "Teststraat 1",
                "zip": "1000",
                "city": "Bruxelles",
                "country_id": cls.env.ref("base.be").id,
                "vat": "BE0123456749",
            }
        )
        cls.consumer_p1 = Partner.create(
            {
                "name": "M. Jean Exemple",
                "street": "1 rue Fictive",
                "zip": "13001",
                "city": "Marseille",
                "country_id": cls.france.id,
            }
        )

    @classmethod
    def get_default_groups(cls):
        # EXTENDS account: the test user manages the cabinet (dossiers,
        # collaborators, mandates); least-privilege tests use their own users.
        return super().get_default_groups() | cls.quick_ref(
            "cabinet_fullservice.cabinet_fullservice_group_manager"
        )

    @classmethod
    def _set_client_company(cls, company):
        """Make ``company`` a client of the firm (dossier)."""
        company.write({"cabinet_is_client": True, "cabinet_firm_id": cls.firm.id})
        return company

    @classmethod
    def _create_billing_mandate(cls, company, activate=True, **vals):
        """A signed billing mandate of ``company``, active unless told.

        Marks the company as a client of the firm. Defaults: signed and
        starting 2026-01-01, open-ended, invoices only, 15 contest days, with
        the client's consent to the approved platform.
        """
        cls._set_client_company(company)
        mandate = cls.env["cabinet.billing.mandate"].create(
            {
                "company_id": company.id,
                "firm_id": cls.firm.id,
                "signature_date": "2026-01-01",
                "date_start": "2026-01-01",
                "signed_document": base64.b64encode(b"%PDF-1.4 mandat signe"),
                "signed_filename": "mandat-signe.pdf",
                "platform_consent": True,
                **vals,
            }
        )
        if activate:
            mandate.action_activate()
        return mandate

    @classmethod
    def _client_tax(cls, company, amount=20.0):
        """The company's French sale tax of that rate, goods and services."""
        return cls.env["account.tax"].search(
            [
                ("company_id", "=", company.id),
                ("type_tax_use", "=", "sale"),
                ("amount", "=", amount),
                ("amount_type", "=", "percent"),
                ("price_include", "=", False),
            ],
            limit=1,
        )

    @classmethod
    def _create_client_invoice(
        cls, company, partner, lines, invoice_date="2026-09-01", move_type="out_invoice"
    ):
        """A draft customer invoice of a client company.

        :param lines: list of (name, quantity, price_unit, tax_rate) tuples
        """
        return (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "invoice_date": invoice_date,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": name,
                                "quantity": quantity,
                                "price_unit": price,
                                "tax_ids": [
                                    Command.set(cls._client_tax(company, rate).ids)
                                ],
                            }
                        )
                        for name, quantity, price, rate in lines
                    ],
                }
            )
        )
