import logging
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)

# Default invoice notes (BR-FR-05: PMT, PMD and AAB notes are mandatory, once
# each). They are printed on French invoices, hence written in French.
NOTE_PMT = (
    "En cas de retard de paiement, une indemnité forfaitaire pour frais de "
    "recouvrement de 40 euros est due au créancier (articles L441-10 et D441-5 "
    "du Code de commerce)."
)
NOTE_PMD = (
    "En cas de retard de paiement, des pénalités sont exigibles de plein droit "
    "à compter du jour suivant la date d'échéance, sans qu'un rappel soit "
    "nécessaire, au taux de refinancement de la Banque centrale européenne "
    "majoré de 10 points, ce taux ne pouvant être inférieur à trois fois le "
    "taux d'intérêt légal (article L441-10 du Code de commerce)."
)
NOTE_AAB = "Aucun escompte n'est accordé en cas de paiement anticipé."
# A consumer owes no flat indemnity (D441-5 applies between professionals);
# BR-FR-05 still wants a PMT note, which says so.
NOTE_PMT_CONSUMER = (
    "Client non professionnel : aucune indemnité forfaitaire pour frais de "
    "recouvrement n'est due (article L441-10 du Code de commerce)."
)

# Fields whose change may break the identity of a client company.
IDENTITY_FIELDS = {
    "cabinet_is_client",
    "cabinet_einvoice_address",
    "company_registry",
    "vat",
    "country_id",
    "partner_id",
}


class ResCompany(models.Model):
    _inherit = "res.company"

    cabinet_is_client = fields.Boolean(
        string="Client of the Cabinet",
        help="This company is a client of the accounting firm, which issues "
        "its invoices under a billing mandate.",
    )
    cabinet_firm_id = fields.Many2one(
        comodel_name="res.company",
        string="Managing Cabinet",
        domain="[('cabinet_is_client', '=', False), ('id', '!=', id)]",
        help="The accounting firm that manages this client company.",
    )
    cabinet_collaborator_ids = fields.Many2many(
        comodel_name="res.users",
        relation="cabinet_company_collaborator_rel",
        column1="company_id",
        column2="user_id",
        string="Assigned Collaborators",
        domain="[('share', '=', False)]",
        groups="cabinet_fullservice.cabinet_fullservice_group_manager",
        help="Collaborators working on this client. Assigning a collaborator "
        "gives them access to the company; removing them takes it back.",
    )
    cabinet_siren = fields.Char(string="SIREN", compute="_compute_cabinet_siren")
    # Stored on the partner, so that the same 0225 checks apply when the
    # company is itself a customer of another client (BT-34 / BT-49).
    cabinet_einvoice_address = fields.Char(
        related="partner_id.cabinet_einvoice_address",
        readonly=False,
        help="Seller electronic address (BT-34, scheme 0225) registered in the "
        "public directory. Defaults to the SIREN; it must start with it.",
    )
    cabinet_vat_on_debits = fields.Boolean(
        string="VAT on Debits",
        help="The company opted to pay VAT on debits (option pour le paiement "
        "de la TVA d'après les débits): invoices must say so.",
    )
    cabinet_note_pmt = fields.Text(
        string="Recovery Indemnity Note (PMT)",
        default=NOTE_PMT,
        help="Mandatory note on the EUR 40 flat recovery indemnity.",
    )
    cabinet_note_pmd = fields.Text(
        string="Late Payment Penalties Note (PMD)",
        default=NOTE_PMD,
        help="Mandatory note on late payment penalties.",
    )
    cabinet_note_aab = fields.Text(
        string="Early Payment Discount Note (AAB)",
        default=NOTE_AAB,
        help="Mandatory note on the discount for early payment (or none).",
    )
    cabinet_operation_category = fields.Selection(
        selection=[
            ("goods", "Goods"),
            ("services", "Services"),
            ("mixed", "Goods and services"),
        ],
        string="Operation Category",
        default="services",
        help="Default nature of the operations invoiced (BT-23).",
    )
    cabinet_invoicing_contact_id = fields.Many2one(
        comodel_name="res.partner",
        string="Invoicing Contact",
        domain="['|', ('id', '=', partner_id), ('parent_id', '=', partner_id)]",
        help="Seller contact printed on invoices (BG-6). Leave empty to print "
        "none: the user issuing the invoice is never used.",
    )

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    @api.depends("partner_id.company_registry", "partner_id.vat", "country_id")
    def _compute_cabinet_siren(self):
        for company in self:
            company.cabinet_siren = company.partner_id._get_siren() or False

    # -------------------------------------------------------------------------
    # Constraints
    # -------------------------------------------------------------------------

    def _check_cabinet_client_identity(self):
        """A client company issues e-invoices: it needs a valid SIREN (BT-30,
        BR-FR-10) and an electronic address starting with it (BR-FR-21/23).
        """
        for company in self.filtered("cabinet_is_client"):
            siren = company.partner_id._get_siren()
            if not siren:
                raise ValidationError(
                    self.env._(
                        "The client company %(company)s has no valid SIREN. "
                        "Enter its SIRET (14 digits) in the Company ID field of "
                        "the company form, or a French VAT number.",
                        company=company.name,
                    )
                )
            company.partner_id._cabinet_check_einvoice_address(
                company.cabinet_einvoice_address, siren
            )

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # EXTENDS base
        companies = super().create(vals_list)
        companies._check_cabinet_client_identity()
        companies._cabinet_sync_company_access({})
        return companies

    def write(self, vals):
        # EXTENDS base
        previous = {}
        if "cabinet_collaborator_ids" in vals:
            previous = {c.id: c.sudo().cabinet_collaborator_ids for c in self}
        res = super().write(vals)
        if IDENTITY_FIELDS & set(vals):
            self._check_cabinet_client_identity()
        if "cabinet_collaborator_ids" in vals or vals.get("cabinet_is_client"):
            self._cabinet_sync_company_access(previous)
        return res

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_sync_company_access(self, previous):
        """Mirror the assignment of collaborators in their allowed companies.

        Odoo's multi-company model already gates every company-dependent
        record (invoices, mandates, letters...) by the user's allowed
        companies, and res.company itself by the rule on ``company_ids``. So
        "a collaborator sees only their clients" is enforced by giving them
        exactly those companies, rather than by new rules that every other
        model would have to repeat. Managers get every client company.

        :param previous: {company id: collaborators before the write}
        """
        managers = (
            self.env.ref("cabinet_fullservice.cabinet_fullservice_group_manager")
            .sudo()
            .all_user_ids.filtered(lambda user: not user.share)
        )
        for company in self.sudo().filtered("cabinet_is_client"):
            before = previous.get(company.id, self.env["res.users"])
            added = company.cabinet_collaborator_ids | managers
            removed = before - company.cabinet_collaborator_ids - managers
            added.filtered(lambda user, c=company: c not in user.company_ids).write(
                {"company_ids": [Command.link(company.id)]}
            )
            # The user's main company must stay allowed (res.users constraint).
            removed.filtered(lambda user, c=company: user.company_id != c).write(
                {"company_ids": [Command.unlink(company.id)]}
            )
            _logger.debug(
                "Company %s: access granted to %s, removed from %s",
                company.id,
                added.ids,
                removed.ids,
            )

    def _cabinet_get_dso(self, date_to, days=90):
        """Days sales outstanding of this company at ``date_to``.

        DSO = open receivable / amount invoiced over the last ``days`` days
        x ``days``, where the open receivable is the residual of the posted
        customer invoices less credit notes dated on or before ``date_to``,
        and the amount invoiced is the total incl. VAT of the posted customer
        invoices less credit notes dated within the ``days`` days ending on
        ``date_to``; both in company currency. 0 when nothing was invoiced.
        The backend dashboards use the same method.

        :param date_to: last day of the period (date)
        :param days: length of the sales window, in days
        :return: float rounded to 2 decimals
        """
        self.ensure_one()
        date_from = date_to - timedelta(days=days - 1)
        Move = self.env["account.move"]
        base = [
            ("company_id", "=", self.id),
            ("state", "=", "posted"),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("invoice_date", "<=", date_to),
        ]
        [(receivable,)] = Move._read_group(base, [], ["amount_residual_signed:sum"])
        [(invoiced,)] = Move._read_group(
            [*base, ("invoice_date", ">=", date_from)],
            [],
            ["amount_total_signed:sum"],
        )
        if self.currency_id.compare_amounts(invoiced or 0.0, 0.0) <= 0:
            return 0.0
        return round((receivable or 0.0) / invoiced * days, 2)
