import uuid

from odoo import fields, models


class CabinetDunningCommunication(models.Model):
    """The reminder as the debtor opens it from its e-mail: a token link to
    the invoices it lists, without a portal account."""

    _name = "cabinet.dunning.communication"
    _inherit = ("cabinet.dunning.communication", "portal.mixin")

    # The token is set at creation: a sent reminder no longer changes, so it
    # cannot be written lazily when the e-mail is rendered.
    access_token = fields.Char(default=lambda self: str(uuid.uuid4()))

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    def _compute_access_url(self):
        # OVERRIDES portal: the reminder page replaces the mixin's "#".
        for communication in self:
            communication.access_url = f"/my/cabinet/reminder/{communication.id}"

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_get_portal_moves(self):
        """The invoices listed in the reminder, as the debtor sees them."""
        self.ensure_one()
        return self.line_ids.move_id
