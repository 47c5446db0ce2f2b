from stdnum.eu import vat as eu_vat
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret

from odoo import api, models
from odoo.fields import Domain


def clean_siren(value):
    """The 9-digit SIREN of a SIREN, SIRET or French VAT number, or ''."""
    digits = "".join(char for char in (value or "") if char.isalnum()).upper()
    if digits.startswith("FR") and len(digits) == 13:
        digits = digits[4:]
    if len(digits) in (9, 14) and digits.isdigit() and fr_siren.is_valid(digits[:9]):
        return digits[:9]
    return ""


def clean_siret(value):
    """The SIRET when ``value`` is a valid 14-digit SIRET, else ''."""
    digits = "".join(char for char in (value or "") if char.isdigit())
    return digits if len(digits) == 14 and fr_siret.is_valid(digits) else ""


def clean_vat(value):
    """The compact VAT number when it is a valid EU VAT number, else ''."""
    compact = "".join(char for char in (value or "") if char.isalnum()).upper()
    return compact if compact and eu_vat.is_valid(compact) else ""


class CabinetImportMixin(models.AbstractModel):
    _name = "cabinet.import.mixin"
    _description = "Cabinet Draft Import Helpers"

    @api.model
    def _cabinet_get_client_company(self, siren="", vat=""):
        """The cabinet client company with this SIREN or VAT number.

        :return: (company, accessible): the matching client company (empty if
            none) and whether the current user may work on it
        """
        clients = (
            self.env["res.company"].sudo().search([("cabinet_is_client", "=", True)])
        )
        company = clients.filtered(
            lambda client: (
                (siren and client.cabinet_siren == siren)
                or (vat and clean_vat(client.vat) == vat)
            )
        )[:1]
        accessible = bool(company) and company in self.env.user.company_ids
        return company.sudo(False), accessible

    @api.model
    def _cabinet_find_customer(self, company, siret="", siren="", vat=""):
        """The customer of ``company`` with this SIRET, VAT or SIREN.

        Customers are searched among the client company's own partners and
        the shared ones only, never among another client's.
        """
        Partner = self.env["res.partner"].with_company(company)
        base = Domain("company_id", "in", [False, company.id]) & Domain(
            "parent_id", "=", False
        )
        searches = []
        if siret:
            searches.append(Domain("company_registry", "=", siret))
        if vat:
            searches.append(Domain("vat", "=", vat))
        if siren:
            searches.append(
                Domain("company_registry", "=like", f"{siren}%")
                | Domain("vat", "=like", f"FR__{siren}")
            )
        for domain in searches:
            partner = Partner.search(base & domain, limit=1)
            if partner:
                return partner
        return Partner

    @api.model
    def _cabinet_prepare_customer_vals(self, company, values):
        """Values of a new customer of ``company``.

        :param values: dict with name, siret, siren, vat, street, zip, city,
            country (ISO code) and email, already checked
        """
        country = self.env["res.country"].search(
            [("code", "=", (values.get("country") or "FR").upper())], limit=1
        )
        return {
            "name": values["name"],
            "is_company": bool(
                values.get("siret") or values.get("siren") or values.get("vat")
            ),
            "company_id": company.id,
            "company_registry": values.get("siret") or values.get("siren") or False,
            "vat": values.get("vat") or False,
            "street": values.get("street") or False,
            "zip": values.get("zip") or False,
            "city": values.get("city") or False,
            "country_id": country.id,
            "email": values.get("email") or False,
        }
