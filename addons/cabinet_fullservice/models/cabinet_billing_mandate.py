import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_date

_logger = logging.getLogger(__name__)

CRON_BATCH_SIZE = 100


class CabinetBillingMandate(models.Model):
    _name = "cabinet.billing.mandate"
    _description = "Billing mandate"
    _inherit = "cabinet.client.document.mixin"

    company_id = fields.Many2one(
        string="Client Company (Principal)",
        help="The client company in whose name and for whose account the "
        "invoices are issued (mandant).",
    )
    firm_id = fields.Many2one(
        string="Cabinet (Agent)",
        required=True,
        help="The accounting firm issuing the invoices (mandataire).",
    )
    mission_letter_id = fields.Many2one(
        comodel_name="cabinet.mission.letter",
        domain="[('company_id', '=', company_id), ('mission_type', '=', 'invoicing')]",
        check_company=True,
        tracking=True,
    )
    signature_date = fields.Date(
        tracking=True,
        help="Date the client signed the mandate. It must precede the first "
        "invoice issued under it (CGI ann. II art. 242 nonies: prior mandate).",
    )
    scope_invoice = fields.Boolean(
        string="Covers Invoices", default=True, tracking=True
    )
    scope_refund = fields.Boolean(
        string="Covers Credit Notes",
        tracking=True,
        help="The mandate also covers corrective invoices and credit notes.",
    )
    contest_days = fields.Integer(
        string="Contest Period (days)",
        default=15,
        required=True,
        tracking=True,
        help="Days after the invoice date during which the client may contest "
        "an invoice issued in its name (CGI ann. II art. 242 nonies).",
    )
    firm_as_invoicer = fields.Boolean(
        string="Cabinet as Invoicer Party",
        tracking=True,
        help="Name the cabinet as invoicer party in the XML (EXTENDED profile, "
        "EXT-FR-FE-115).",
    )
    platform_consent = fields.Boolean(
        string="Consent to the Approved Platform",
        tracking=True,
        help="The client consented to the approved platform (PA) acting as "
        "subcontractor for the issuance (rescrits 2006/10 and 2006/39).",
    )
    signed_document = fields.Binary(
        string="Signed Mandate", attachment=True, copy=False
    )
    signed_filename = fields.Char(string="Signed Mandate Filename", copy=False)
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("active", "Active"),
            ("suspended", "Suspended"),
            ("revoked", "Revoked"),
            ("expired", "Expired"),
        ],
        string="Status",
        required=True,
        default="draft",
        copy=False,
        index=True,
        tracking=True,
    )
    move_ids = fields.One2many(
        comodel_name="account.move",
        inverse_name="cabinet_mandate_id",
        string="Invoices",
    )
    move_count = fields.Integer(string="Invoice Count", compute="_compute_move_count")

    _date_range = models.Constraint(
        "CHECK(date_end IS NULL OR date_end >= date_start)",
        "The end date of a billing mandate cannot precede its start date.",
    )
    _contest_days_positive = models.Constraint(
        "CHECK(contest_days > 0)",
        "The contest period of a billing mandate must be at least one day.",
    )

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    def _compute_move_count(self):
        counts = dict(
            self.env["account.move"]._read_group(
                [("cabinet_mandate_id", "in", self.ids)],
                ["cabinet_mandate_id"],
                ["__count"],
            )
        )
        for mandate in self:
            mandate.move_count = counts.get(mandate, 0)

    # -------------------------------------------------------------------------
    # Constraints
    # -------------------------------------------------------------------------

    @api.constrains("state", "date_start", "date_end", "company_id")
    def _check_no_overlap(self):
        """One active mandate per company and date, so that each invoice has
        exactly one covering mandate.
        """
        for mandate in self.filtered(lambda m: m.state == "active"):
            domain = (
                Domain(
                    [
                        ("id", "!=", mandate.id),
                        ("company_id", "=", mandate.company_id.id),
                        ("state", "=", "active"),
                    ]
                )
                & mandate._get_overlap_domain()
            )
            other = self.sudo().search(domain, limit=1)
            if other:
                raise ValidationError(
                    self.env._(
                        "The billing mandate %(name)s overlaps the active "
                        "mandate %(other)s of %(company)s. Revoke or end the "
                        "other mandate first.",
                        name=mandate.name,
                        other=other.name,
                        company=mandate.company_id.name,
                    )
                )

    def _get_overlap_domain(self):
        """Domain of the mandates whose period meets this one's."""
        self.ensure_one()
        domain = Domain("date_end", "=", False) | Domain(
            "date_end", ">=", self.date_start
        )
        if self.date_end:
            domain &= Domain("date_start", "<=", self.date_end)
        return domain

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        # The mandate is part of the audit trail of the invoices it covers.
        if self.move_ids:
            raise UserError(
                self.env._(
                    "A billing mandate that covers invoices cannot be deleted; "
                    "revoke it instead."
                )
            )

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_activate(self):
        """Put the mandate in force, once signed and uploaded."""
        for mandate in self:
            mandate._check_can_activate()
        self.state = "active"

    def action_suspend(self):
        """Stop issuing invoices under the mandate for a while."""
        if any(mandate.state != "active" for mandate in self):
            raise UserError(
                self.env._("Only active billing mandates can be suspended.")
            )
        self.state = "suspended"

    def action_revoke(self):
        """Record the client's revocation: no invoice may be issued anymore."""
        if any(mandate.state == "expired" for mandate in self):
            raise UserError(self.env._("An expired billing mandate cannot be revoked."))
        self.state = "revoked"

    def action_reset_to_draft(self):
        """Back to draft, to amend a mandate before activating it."""
        if any(mandate.state != "suspended" and mandate.move_ids for mandate in self):
            raise UserError(
                self.env._("A billing mandate that covers invoices cannot be amended.")
            )
        self.state = "draft"

    def action_view_moves(self):
        """Open the invoices issued under the mandate."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("cabinet_mandate_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _check_can_activate(self):
        """Raise unless the mandate is express, written and prior (CGI ann. II
        art. 242 nonies): a signature date, the signed document, and a
        signature on or before the start date. Posting only accepts invoices
        dated within the period, so each one follows the signature.
        """
        self.ensure_one()
        if self.state not in ("draft", "suspended"):
            raise UserError(
                self.env._("Only draft or suspended billing mandates can be activated.")
            )
        if not self.signature_date or not self.signed_document:
            raise UserError(
                self.env._(
                    "To activate the billing mandate %(name)s, enter its "
                    "signature date and upload the signed document.",
                    name=self.name,
                )
            )
        if self.signature_date > self.date_start:
            raise UserError(
                self.env._(
                    "The billing mandate %(name)s must be signed on or before "
                    "its start date (%(date)s): the mandate is prior to the "
                    "invoices it covers.",
                    name=self.name,
                    date=format_date(self.env, self.date_start),
                )
            )

    def _get_move_types(self):
        """The move types the mandate covers."""
        self.ensure_one()
        return [
            move_type
            for move_type, covered in (
                ("out_invoice", self.scope_invoice),
                ("out_refund", self.scope_refund),
            )
            if covered
        ]

    @api.model
    def _get_covering_mandate(self, company, date, move_type):
        """The active mandate of ``company`` covering ``date`` and ``move_type``.

        :param company: the client company (res.company)
        :param date: the invoice date
        :param move_type: "out_invoice" or "out_refund"
        :return: a cabinet.billing.mandate record, empty when none covers
        """
        scope_field = {"out_invoice": "scope_invoice", "out_refund": "scope_refund"}
        if not company or not date or move_type not in scope_field:
            return self.browse()
        domain = Domain(
            [
                ("company_id", "=", company.id),
                ("state", "=", "active"),
                ("date_start", "<=", date),
                (scope_field[move_type], "=", True),
            ]
        ) & (Domain("date_end", "=", False) | Domain("date_end", ">=", date))
        return self.search(domain, order="date_start desc", limit=1)

    # -------------------------------------------------------------------------
    # Cron
    # -------------------------------------------------------------------------

    @api.model
    def _cron_expire(self, batch_size=CRON_BATCH_SIZE):
        """Expire the active or suspended mandates whose end date is past.

        Batched and resumable: each batch is committed with its progress, and
        the run stops when the cron has no time left.
        """
        domain = self._get_expired_domain()
        expired = 0
        while True:
            mandates = self.search(domain, limit=batch_size).try_lock_for_update()
            if not mandates:
                break
            mandates.state = "expired"
            expired += len(mandates)
            time_left = self.env["ir.cron"]._commit_progress(
                len(mandates), remaining=self.search_count(domain)
            )
            if not time_left:
                break
        _logger.info("Billing mandates: %s expired", expired)

    @api.model
    def _get_expired_domain(self):
        """Mandates still in force whose end date is past."""
        return Domain(
            [
                ("state", "in", ("active", "suspended")),
                ("date_end", "<", fields.Date.context_today(self)),
            ]
        )
