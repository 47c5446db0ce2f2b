import os
from pathlib import Path

from freezegun import freeze_time
from lxml import etree

from odoo.tests import tagged

from .facturx_common import FacturxTestCommon

GOLDEN_DIR = Path(__file__).resolve().parent / "test_files"


def _canonical(xml):
    return etree.tostring(etree.fromstring(xml), method="c14n2")


@tagged("post_install", "-at_install")
@freeze_time("2026-10-20")
class TestFacturxExport(FacturxTestCommon):
    def test_typical_invoice_matches_golden_file_and_validates(self):
        invoice = self._post_client_invoice(
            [
                ("Conseil en organisation", 2, 450.0, 20.0),
                ("Déplacement", 1, 80.0, 20.0),
            ],
            invoice_date="2026-09-01",
        )
        xml = invoice._cabinet_build_facturx_xml()
        golden = GOLDEN_DIR / "facturx_client_a_b1.xml"
        if os.environ.get("CABINET_REGENERATE_GOLDEN"):
            golden.write_bytes(xml)
        # Canonical form: QWeb does not keep the order of xmlns declarations.
        self.assertEqual(_canonical(xml), _canonical(golden.read_bytes()))
        self._validate_xml(invoice)
