import logging

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

_logger = logging.getLogger(__name__)

# Fields that may still change once a communication went out: chatter,
# activities, what follows the sending (printed letter, hand-over) and the
# portal token of the debtor's link.
MUTABLE_AFTER_SEND = {
    "access_token",
    "attachment_id",
    "letter_printed",
    "handover_done",
}


class CabinetDunningCommunication(models.Model):
    """What went out to one debtor on one day: the proof of the reminder.

    Once sent, a communication no longer changes and cannot be deleted.
    """

    _name = "cabinet.dunning.communication"
    _description = "Dunning communication"
    _inherit = ("mail.thread", "mail.activity.mixin")
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    date = fields.Date(required=True, readonly=True, index=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Client Company",
        required=True,
        readonly=True,
        index=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Debtor",
        required=True,
        readonly=True,
        index=True,
    )
    policy_id = fields.Many2one(
        comodel_name="cabinet.dunning.policy", readonly=True, ondelete="restrict"
    )
    level_id = fields.Many2one(
        comodel_name="cabinet.dunning.level",
        required=True,
        readonly=True,
        ondelete="restrict",
        help="Highest level of the instalments reminded.",
    )
    tone = fields.Selection(related="level_id.tone")
    offer = fields.Selection(
        selection=[
            ("monitoring", "Receivables monitoring"),
            ("dunning", "Simple dunning"),
            ("collection", "Amicable collection mandate"),
        ],
        readonly=True,
    )
    channel_email = fields.Boolean(string="E-mail", readonly=True)
    channel_letter = fields.Boolean(string="Letter", readonly=True)
    channel_sms = fields.Boolean(string="SMS", readonly=True)
    channel_call = fields.Boolean(string="Call", readonly=True)
    first_contact = fields.Boolean(readonly=True)
    handover_proposed = fields.Boolean(
        readonly=True,
        help="The level hands the instalments over to collection.",
    )
    handover_done = fields.Boolean(readonly=True)
    letter_printed = fields.Boolean(readonly=True)
    line_ids = fields.One2many(
        comodel_name="cabinet.dunning.communication.line",
        inverse_name="communication_id",
        string="Instalments",
        readonly=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_residual = fields.Monetary(
        string="Amount Due",
        currency_field="currency_id",
        readonly=True,
        help="Sum of the residual amounts stated, when sent.",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("to_validate", "To Validate"),
            ("sent", "Sent"),
            ("cancelled", "Cancelled"),
            ("failed", "Failed"),
        ],
        required=True,
        default="draft",
        readonly=True,
        index=True,
        tracking=True,
    )
    sent_date = fields.Datetime(readonly=True)
    validated_by_id = fields.Many2one(comodel_name="res.users", readonly=True)
    mail_message_id = fields.Many2one(
        comodel_name="mail.message", string="E-mail Sent", readonly=True
    )
    attachment_id = fields.Many2one(
        comodel_name="ir.attachment", string="Document", readonly=True
    )
    run_id = fields.Many2one(comodel_name="cabinet.dunning.run", readonly=True)
    failure_reason = fields.Text(readonly=True)
    cabinet_key = fields.Char(
        string="Idempotency Key",
        readonly=True,
        copy=False,
        help="Debtor, level and date: one communication per debtor, level and "
        "day. Cleared when cancelled or failed so that it can be retried.",
    )

    _cabinet_key_unique = models.Constraint(
        "UNIQUE(cabinet_key)",
        "This debtor already has a communication at this level on this day.",
    )

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    @api.depends("partner_id", "level_id", "date")
    def _compute_name(self):
        # The name is the reminder's reference in the e-mail, the letter and
        # the collection file: written in the debtor's language, not in the
        # language of whoever (often the scheduler) created it.
        for communication in self:
            lang = (
                communication.partner_id.lang
                or communication.company_id.partner_id.lang
                or self.env.lang
            )
            debtor_env = self.with_context(lang=lang).env
            communication.name = debtor_env._(
                "%(level)s - %(debtor)s - %(date)s",
                level=communication.level_id.with_env(debtor_env).name,
                debtor=communication.partner_id.display_name,
                date=format_date(debtor_env, communication.date),
            )

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    def write(self, vals):
        # EXTENDS mail.thread: a sent communication is a proof, it stays as is.
        protected = {
            name
            for name in vals
            if name not in MUTABLE_AFTER_SEND
            and not name.startswith(("message_", "activity_"))
        }
        if protected and any(com.state == "sent" for com in self):
            raise UserError(
                self.env._(
                    "A sent reminder cannot be changed: it is the proof of what "
                    "the debtor received."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_draft(self):
        if any(com.state != "draft" for com in self):
            raise UserError(
                self.env._("Only draft reminders can be deleted; cancel the others.")
            )

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_validate(self):
        """Validate reminders waiting for a collaborator, and send them."""
        if any(com.state != "to_validate" for com in self):
            raise UserError(self.env._("Only reminders to validate can be validated."))
        self.write({"validated_by_id": self.env.user.id})
        self.activity_unlink(["mail.mail_activity_data_todo"])
        self._cabinet_send()
        return True

    def action_cancel(self):
        """Cancel reminders not sent yet; their level can be reached again."""
        if any(com.state == "sent" for com in self):
            raise UserError(self.env._("A sent reminder cannot be cancelled."))
        self.write({"state": "cancelled", "cabinet_key": False})
        self.line_ids.write({"cabinet_key": False})
        self.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_refresh_lines(self):
        """Re-read residuals at send time and drop instalments paid since.

        :return: the communications with something left to remind
        """
        move_lines = self.line_ids.move_line_id
        move_lines.invalidate_recordset(["amount_residual", "reconciled"])
        paid = self.line_ids.filtered(
            lambda line: (
                line.move_line_id.reconciled
                or line.currency_id.compare_amounts(
                    line.move_line_id.amount_residual, 0
                )
                <= 0
            )
        )
        paid.unlink()
        for line in self.line_ids:
            if line.amount_residual != line.move_line_id.amount_residual:
                line.amount_residual = line.move_line_id.amount_residual
        left = self.filtered(lambda com: com.line_ids.filtered("advanced"))
        (self - left).write({"state": "cancelled", "cabinet_key": False})
        (self - left).line_ids.write({"cabinet_key": False})
        for com in left:
            com.amount_residual = sum(com.line_ids.mapped("amount_residual"))
        return left

    def _cabinet_send(self):
        """Send through each channel and record the instalments' new level.

        Residuals are re-checked first: an instalment paid since the run is
        no longer listed (RC-27).
        """
        communications = self._cabinet_refresh_lines()
        for com in communications:
            if com.offer != "monitoring":
                com._cabinet_dispatch()
            com.write({"state": "sent", "sent_date": fields.Datetime.now()})
        communications._cabinet_apply_to_move_lines()
        communications._cabinet_open_penalty_claims()
        return communications

    def _cabinet_open_penalty_claims(self):
        """A letter that states penalties opens their claim: it stays in the
        dunning file until paid or waived, even once the principal is paid
        (RC-30).
        """
        for com in self.filtered(
            lambda c: c.tone in ("firm", "formal_notice") and c.offer != "monitoring"
        ):
            claimed = com.line_ids.filtered(
                lambda line: line.amount_interest or line.amount_indemnity
            )
            if claimed:
                claimed.move_id._cabinet_claim_late_penalties(com.date)

    def _cabinet_dispatch(self):
        """Send one communication through the channels of its level."""
        self.ensure_one()
        if self.channel_letter:
            self._cabinet_attach_letter()
        if self.channel_email:
            self._cabinet_send_email()
        if self.channel_sms:
            self._cabinet_send_sms()
        if self.channel_call:
            self._cabinet_schedule_call()
        if self.handover_proposed and self.offer == "collection":
            self.handover_done = bool(
                self.env["cabinet.dunning.run"]._cabinet_hand_over(self)
            )

    def _cabinet_attach_letter(self):
        """Print the letter to post and keep it with the reminder: what it
        states is part of the proof."""
        pdf, __ = self.env["ir.actions.report"]._render_qweb_pdf(
            "cabinet_recouvrement.cabinet_dunning_letter_report", self.ids
        )
        self.attachment_id = self.env["ir.attachment"].create(
            {
                "name": f"{self.name.replace('/', '-')}.pdf",
                "raw": pdf,
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/pdf",
            }
        )

    def _cabinet_get_recipients(self):
        """Partners receiving the reminder: the debtor's invoicing contact."""
        self.ensure_one()
        address = self.partner_id.address_get(["invoice"])["invoice"]
        return self.env["res.partner"].browse(address)

    def _cabinet_send_email(self):
        template = self.level_id.mail_template_id or self.env.ref(
            "cabinet_recouvrement.mail_template_dunning", raise_if_not_found=False
        )
        if not template:
            return
        # Queued for Odoo's mail scheduler rather than sent inline: a run
        # reminds hundreds of debtors in one transaction.
        message = self.with_context(lang=self.partner_id.lang).message_post_with_source(
            template,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self._cabinet_get_recipients().ids,
            force_send=False,
        )
        self.mail_message_id = message[:1]

    def _cabinet_send_sms(self):
        template = self.level_id.sms_template_id or self.env.ref(
            "cabinet_recouvrement.sms_template_dunning", raise_if_not_found=False
        )
        if not template:
            return
        body = template._render_field("body", self.ids)[self.id]
        # Queued, not sent inline: Odoo's SMS scheduler sends the queue
        # through the company's SMS service, outside the run's transaction.
        self._message_sms(
            body, partner_ids=self._cabinet_get_recipients().ids, put_in_queue=True
        )

    def _cabinet_get_first_collection_letter(self):
        """The first other letter sent in the cabinet's name to this debtor
        for this creditor: its reference and date are repeated in every later
        letter and kept in the collection file (CPCE R124-4).
        """
        self.ensure_one()
        return self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("partner_id", "=", self.partner_id.id),
                ("offer", "=", "collection"),
                ("state", "=", "sent"),
                ("id", "!=", self.id),
            ],
            order="date, id",
            limit=1,
        )

    def _cabinet_get_collector(self):
        self.ensure_one()
        return self.partner_id._cabinet_get_collector(self.company_id)

    def _cabinet_schedule_call(self):
        self.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=self.date,
            summary=self.env._(
                "Call %(debtor)s about %(amount)s overdue",
                debtor=self.partner_id.display_name,
                amount=self.currency_id.format(self.amount_residual),
            ),
            user_id=self._cabinet_get_collector().id,
        )

    def _cabinet_request_validation(self):
        """Leave the communication for a collaborator to validate."""
        for com in self:
            com.state = "to_validate"
            com.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=com.date,
                summary=self.env._("Validate the reminder before it goes"),
                user_id=com._cabinet_get_collector().id,
            )

    def _cabinet_apply_to_move_lines(self):
        """Record on each instalment the level that was actually sent."""
        groups = {}
        for line in self.line_ids.filtered("advanced"):
            key = (line.level_id.id, line.repeat_index, line.communication_id.date)
            groups.setdefault(key, self.env["account.move.line"])
            groups[key] |= line.move_line_id
        # SQL rather than account.move.line.write(): the latter reads the
        # taxes of every line for checks that do not concern these three
        # informative fields, one query per instalment, and the run must
        # scale to tens of thousands of instalments.
        fnames = [
            "cabinet_dunning_level_id",
            "cabinet_dunning_repeat_count",
            "cabinet_dunning_last_date",
        ]
        for (level_id, repeat_index, date), move_lines in groups.items():
            move_lines.flush_recordset(fnames)
            self.env.execute_query(
                SQL(
                    "UPDATE account_move_line SET cabinet_dunning_level_id = %s, "
                    "cabinet_dunning_repeat_count = %s, "
                    "cabinet_dunning_last_date = %s, "
                    "write_uid = %s, write_date = (now() at time zone 'UTC') "
                    "WHERE id IN %s",
                    level_id,
                    repeat_index,
                    date,
                    self.env.uid,
                    tuple(move_lines.ids),
                )
            )
            move_lines.invalidate_recordset([*fnames, "write_uid", "write_date"])

    @api.model
    def _prepare_communication_vals(self, proposal, run=False):
        """Values of a communication from a proposal of the run."""
        level = proposal["level"]
        return {
            "date": proposal["date"],
            "company_id": proposal["company"].id,
            "partner_id": proposal["partner"].id,
            "policy_id": level.policy_id.id,
            "level_id": level.id,
            "offer": proposal["offer"],
            "channel_email": level.channel_email,
            "channel_letter": level.channel_letter,
            "channel_sms": level.channel_sms,
            "channel_call": level.channel_call,
            "first_contact": proposal["first_contact"],
            "handover_proposed": level.handover,
            "amount_residual": proposal["amount_residual"],
            "run_id": run and run.id,
            "cabinet_key": proposal["key"],
            "line_ids": [Command.create(vals) for vals in proposal["line_vals_list"]],
        }
