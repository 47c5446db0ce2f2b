from odoo import api, models
from odoo.fields import Domain


class AccountTax(models.Model):
    _inherit = "account.tax"

    @api.model
    def _cabinet_get_sale_tax(self, company, rate, category=None, exemption=None):
        """The client company's sale tax for an imported VAT rate.

        The French chart ships 10 %, 5.5 % and 2.1 % archived: archived taxes
        are matched too, and the caller activates the one it uses. For 0 %,
        the VAT category (BT-118) or the VATEX exemption code (BT-121) tells
        intra-community (K), export (G), exempt (E) or out of scope (O) apart.

        :param company: the client company
        :param rate: the VAT rate in percent (float or Decimal)
        :param category: the UNCL 5305 category, or None
        :param exemption: the VATEX exemption reason code, or None
        :return: an account.tax record, empty when none fits
        """
        domain = Domain(
            [
                *self._check_company_domain(company),
                ("type_tax_use", "=", "sale"),
                ("amount_type", "=", "percent"),
                ("amount", "=", float(rate)),
                ("price_include", "=", False),
            ]
        )
        if exemption:
            domain &= Domain("ubl_cii_tax_exemption_reason_code", "=", exemption)
        if category:
            domain &= Domain("ubl_cii_tax_category_code", "in", [category, False])
        taxes = self.with_context(active_test=False).search(domain)
        # Prefer the exact category, then active taxes, then goods (the
        # French chart lists goods taxes first).
        return taxes.sorted(
            lambda tax: (
                tax.ubl_cii_tax_category_code != category,
                not tax.active,
                tax.sequence,
                tax.id,
            )
        )[:1]
