from odoo import models


class ResUsers(models.Model):
    _inherit = "res.users"

    def _cabinet_get_portal_client_company(self):
        """The client company whose portal this user may open, if any.

        A client portal user is a portal user whose commercial partner is the
        partner of a client company of the cabinet under an active billing
        mandate. Internal users, debtors and clients without an active
        mandate get no company.

        :return: res.company (sudo, empty when the user is no client)
        """
        self.ensure_one()
        if not self._is_portal():
            return self.env["res.company"]
        company_sudo = (
            self.env["res.company"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.commercial_partner_id.id),
                    ("cabinet_is_client", "=", True),
                ],
                limit=1,
            )
        )
        if not company_sudo:
            return self.env["res.company"]
        has_mandate = (
            self.env["cabinet.billing.mandate"]
            .sudo()
            .search_count(
                [("company_id", "=", company_sudo.id), ("state", "=", "active")],
                limit=1,
            )
        )
        return company_sudo if has_mandate else self.env["res.company"]
