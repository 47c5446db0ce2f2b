from odoo.tests import tagged

from .common import CabinetTestCommon


@tagged("post_install", "-at_install")
class TestCabinetSetup(CabinetTestCommon):
    def test_client_companies_have_french_identity(self):
        self.assertRecordValues(
            self.client_a.partner_id,
            [{"company_registry": "12345678200010", "vat": "FR11123456782"}],
        )
        self.assertEqual(self.client_a.partner_id._get_siren(), "123456782")
        self.assertEqual(self.client_b.partner_id._get_siren(), "111222337")

    def test_client_invoice_totals(self):
        move = self._create_client_invoice(
            self.client_a, self.buyer_b1, [("Conseil", 1, 100.0, 20.0)]
        )
        self.assertRecordValues(
            move,
            [
                {
                    "company_id": self.client_a.id,
                    "amount_untaxed": 100.0,
                    "amount_tax": 20.0,
                    "amount_total": 120.0,
                }
            ],
        )
