from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CabinetDunningLevel(models.Model):
    """One step of a dunning policy: when, how often, through which channels."""

    _name = "cabinet.dunning.level"
    _description = "Dunning level"
    _order = "policy_id, sequence, id"

    policy_id = fields.Many2one(
        comodel_name="cabinet.dunning.policy",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    delay = fields.Integer(
        string="Delay (days)",
        required=True,
        help="Days after the due date of the instalment; negative for a "
        "courtesy reminder before it.",
    )
    repeat_interval = fields.Integer(
        string="Repeat Every (days)",
        help="Days between two reminders at this level; 0 for no repeat.",
    )
    max_repeats = fields.Integer(
        help="How many times the reminder is repeated at this level after the "
        "first one.",
    )
    tone = fields.Selection(
        selection=[
            ("courtesy", "Courtesy"),
            ("reminder", "Reminder"),
            ("firm", "Firm"),
            ("formal_notice", "Formal notice"),
        ],
        required=True,
        default="reminder",
    )
    channel_email = fields.Boolean(string="E-mail", default=True)
    mail_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="E-mail Template",
        domain="[('model', '=', 'cabinet.dunning.communication')]",
    )
    channel_letter = fields.Boolean(
        string="Printed Letter",
        help="A letter is to be printed and posted; the communication keeps "
        "the invoices and amounts the letter states.",
    )
    channel_sms = fields.Boolean(string="SMS")
    sms_template_id = fields.Many2one(
        comodel_name="sms.template",
        string="SMS Template",
        domain="[('model', '=', 'cabinet.dunning.communication')]",
    )
    channel_call = fields.Boolean(
        string="Phone Call",
        help="Plan a phone call for the collector of the debtor.",
    )
    requires_validation = fields.Boolean(
        help="A collaborator validates the communication before it goes.",
    )
    handover = fields.Boolean(
        string="Hand Over to Collection",
        help="The instalments are handed over to the amicable-collection "
        "mandate, when the client signed one.",
    )

    _repeat_positive = models.Constraint(
        "CHECK(repeat_interval >= 0 AND max_repeats >= 0)",
        "Repeat interval and number of repeats cannot be negative.",
    )

    # -------------------------------------------------------------------------
    # Constraints
    # -------------------------------------------------------------------------

    @api.constrains("repeat_interval", "max_repeats")
    def _check_repeat(self):
        for level in self:
            if level.max_repeats and not level.repeat_interval:
                raise ValidationError(
                    self.env._(
                        "Level %(name)s: set the days between repeats.",
                        name=level.name,
                    )
                )

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_get_channels(self):
        """Channel keys of the level, e.g. ``['email', 'sms']``."""
        self.ensure_one()
        return [
            channel
            for channel in ("email", "letter", "sms", "call")
            if self[f"channel_{channel}"]
        ]
