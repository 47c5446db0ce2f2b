from lxml import etree

from odoo.addons.cabinet_fullservice.tools import validator

from .common import CabinetTestCommon

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:"
    "ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
SETTLEMENT = "//ram:ApplicableHeaderTradeSettlement"
SUMMATION = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
SELLER = "//ram:SellerTradeParty"
BUYER = "//ram:BuyerTradeParty"


class FacturxTestCommon(CabinetTestCommon):
    """Client company CA under an active mandate, and XML helpers.

    Every XML built here goes through the real out-of-process validator
    (XSD, Factur-X schematron of the profile, BR-FR): it is a local child
    process, not an external service.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The test user of AccountTestInvoicingCommon runs the cabinet too.
        cls.env.user.group_ids |= cls.env.ref(
            "cabinet_fullservice.cabinet_fullservice_group_manager"
        )
        cls.mandate_a = cls._create_billing_mandate(cls.client_a, scope_refund=True)

    # -------------------------------------------------------------------------
    # HELPERS
    # -------------------------------------------------------------------------

    @classmethod
    def _post_client_invoice(cls, lines, partner=None, **kwargs):
        invoice = cls._create_client_invoice(
            cls.client_a, partner or cls.buyer_b1, lines, **kwargs
        )
        invoice.action_post()
        return invoice

    def _xml_tree(self, invoice):
        xml, errors = invoice._cabinet_export_facturx()
        return etree.fromstring(xml), errors

    def _values(self, tree, xpath):
        return [
            node if isinstance(node, str) else (node.text or "")
            for node in tree.xpath(xpath, namespaces=NS)
        ]

    def _value(self, tree, xpath):
        values = self._values(tree, xpath)
        self.assertEqual(len(values), 1, f"{xpath} found {len(values)} times")
        return values[0]

    def _validate_xml(self, invoice, expected_fatal=()):
        """Run the send-gate checks on the invoice's XML.

        :param expected_fatal: the rule ids that must fail, exactly
        :return: the ValidationReport
        """
        xml = invoice._cabinet_build_facturx_xml()
        report = validator.validate(
            xml, validator.facturx_checks(invoice.cabinet_facturx_profile)
        )
        fatal = sorted({item.rule for item in report.fatal})
        self.assertEqual(fatal, sorted(expected_fatal), report.format_text())
        return report

    def _assert_xml_values(self, tree, expected):
        """``expected``: {xpath: value or list of values}."""
        for xpath, value in expected.items():
            if isinstance(value, list):
                self.assertEqual(self._values(tree, xpath), value, xpath)
            else:
                self.assertEqual(self._value(tree, xpath), value, xpath)
