import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Electronic address of the French directory, scheme 0225: letters, digits,
# "-", "_" and "." only, at most 125 characters (BR-FR-23/25).
EINVOICE_ADDRESS_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,125}$")


class ResPartner(models.Model):
    _inherit = "res.partner"

    cabinet_einvoice_address = fields.Char(
        string="Electronic Invoicing Address",
        compute="_compute_cabinet_einvoice_address",
        store=True,
        readonly=False,
        help="Buyer electronic address (BT-49, scheme 0225) in the public "
        "directory. For French businesses it defaults to the SIREN and must "
        "start with it (BR-FR-22).",
    )
    cabinet_is_business = fields.Boolean(
        string="Business Customer",
        compute="_compute_cabinet_is_business",
        help="A company, or an individual with a SIREN or VAT number. Only "
        "business customers owe the EUR 40 recovery indemnity (C. com. D441-5).",
    )

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    @api.depends("company_registry", "vat", "country_id", "parent_id")
    def _compute_cabinet_einvoice_address(self):
        for partner in self:
            siren = partner._get_siren()
            address = partner.cabinet_einvoice_address
            if address and siren and not address.startswith(siren):
                # The owner's SIREN changed (a contact moved to another
                # company, a corrected registry number): the address of the
                # former SIREN is no longer its own.
                address = False
            partner.cabinet_einvoice_address = address or siren or False

    @api.depends("is_company", "company_registry", "vat", "country_id", "parent_id")
    def _compute_cabinet_is_business(self):
        for partner in self:
            commercial = partner.commercial_partner_id
            partner.cabinet_is_business = bool(
                commercial.is_company or commercial.vat or commercial._get_siren()
            )

    # -------------------------------------------------------------------------
    # Constraints
    # -------------------------------------------------------------------------

    @api.constrains("cabinet_einvoice_address", "company_registry", "vat")
    def _check_cabinet_einvoice_address(self):
        for partner in self.filtered("cabinet_einvoice_address"):
            partner._cabinet_check_einvoice_address(
                partner.cabinet_einvoice_address, partner._get_siren()
            )

    def _cabinet_check_einvoice_address(self, address, siren):
        """Raise when ``address`` is not a valid 0225 electronic address.

        :param address: the address to check (empty is accepted)
        :param siren: the owner's SIREN, that the address must start with
            (BR-FR-21/22), or None when the owner has none
        """
        self.ensure_one()
        if not address:
            return
        if not EINVOICE_ADDRESS_RE.match(address):
            raise ValidationError(
                self.env._(
                    "The electronic invoicing address %(address)s of %(name)s "
                    "is invalid: use at most 125 letters, digits, '-', '_' or "
                    "'.', without spaces or accents.",
                    address=address,
                    name=self.display_name,
                )
            )
        if siren and not address.startswith(siren):
            raise ValidationError(
                self.env._(
                    "The electronic invoicing address %(address)s of %(name)s "
                    "must start with its SIREN %(siren)s, e.g. %(siren)s or "
                    "%(siren)s_<SIRET>.",
                    address=address,
                    name=self.display_name,
                    siren=siren,
                )
            )
