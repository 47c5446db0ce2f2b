import logging
from datetime import datetime, timedelta, timezone

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from ..tools.afnor_client import AfnorError, AfnorFlowClient
from ..tools.service_process import ServiceError, ensure_demo_platform

_logger = logging.getLogger(__name__)

DEMO_PORT_PARAM = "cabinet_fullservice.demo_platform_port"
DEMO_DEFAULT_PORT = 8079
DEMO_STEP_PARAM = "cabinet_fullservice.demo_platform_step_seconds"
WEBHOOK_ROUTE = "/cabinet_fullservice/webhook/{account_id}"
# Flows updated this long before the saved cursor are searched again: the
# platform may commit a flow stamped slightly before one already read.
CURSOR_OVERLAP = timedelta(minutes=2)


class CabinetPlatformAccount(models.Model):
    _name = "cabinet.platform.account"
    _description = "Approved platform account"
    _order = "name, id"

    name = fields.Char(required=True)
    provider = fields.Selection(
        selection=[
            ("demo", "Built-in demo platform"),
            ("afnor", "AFNOR XP Z12-013 API"),
        ],
        required=True,
        default="afnor",
    )
    base_url = fields.Char(
        string="Flow Service URL",
        help="URL of the platform's Flow Service, without /v1, e.g. "
        "https://api.platform.example/flow-service.",
    )
    token_url = fields.Char(
        string="Token URL",
        help="OAuth2 token endpoint (client credentials). Leave empty for a "
        "platform without authentication (demo).",
    )
    client_id = fields.Char(string="Client ID")
    client_secret = fields.Char(groups="base.group_system", copy=False)
    organization_id = fields.Char(
        string="Organization ID",
        help="Sent as the Organization-Id header when this account serves a "
        "single company. When it serves several companies, each company's "
        "SIREN is sent instead, so the platform knows which client the cabinet "
        "acts for.",
    )
    company_ids = fields.Many2many(
        comodel_name="res.company",
        string="Client Companies",
        help="Client companies sending through this account. Companies served "
        "by no account use the built-in demo platform account.",
    )
    active = fields.Boolean(default=True)
    timeout = fields.Integer(string="Timeout (s)", default=20)
    webhook_id = fields.Char(string="Webhook ID", copy=False, readonly=True)
    signing_key = fields.Char(groups="base.group_system", copy=False)
    webhook_url = fields.Char(string="Callback URL", compute="_compute_webhook_url")
    status_cursors = fields.Json(
        copy=False,
        help="Per organisation, the last updatedAt read from the platform.",
    )

    _timeout_positive = models.Constraint(
        "CHECK(timeout > 0)", "The timeout must be positive."
    )

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    def _compute_webhook_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for account in self:
            path = WEBHOOK_ROUTE.format(account_id=account.id or 0)
            account.webhook_url = f"{(base_url or '').rstrip('/')}{path}"

    # -------------------------------------------------------------------------
    # Constraints
    # -------------------------------------------------------------------------

    @api.constrains("company_ids", "active")
    def _check_one_account_per_company(self):
        for account in self.filtered("active"):
            others = self.search(
                [
                    ("id", "!=", account.id),
                    ("company_ids", "in", account.company_ids.ids),
                ]
            )
            if others:
                shared = (others.company_ids & account.company_ids).mapped("name")
                raise ValidationError(
                    self.env._(
                        "A client company sends through one platform account "
                        "only: %(companies)s already use %(account)s.",
                        companies=", ".join(shared),
                        account=others[0].name,
                    )
                )

    @api.constrains("provider", "base_url")
    def _check_base_url(self):
        for account in self:
            if account.provider == "afnor" and not account.base_url:
                raise ValidationError(
                    self.env._(
                        "Set the Flow Service URL of the platform account %(account)s.",
                        account=account.name,
                    )
                )

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_test_connection(self):
        """Call the platform healthcheck and tell the user the outcome."""
        self.ensure_one()
        try:
            self._get_client(self.company_ids[:1] or self.env.company).healthcheck()
        except (AfnorError, ServiceError) as error:
            raise UserError(
                self.env._(
                    "The platform did not answer correctly: %(error)s",
                    error=str(error),
                )
            ) from error
        return self._notification(self.env._("The platform answers."), "success")

    def action_subscribe_webhook(self):
        """Subscribe this database's callback URL to lifecycle flows.

        The platform then calls the webhook route when a flow changes; the
        route only triggers the status fetch (the body is not trusted).
        """
        self.ensure_one()
        client = self._get_client(self.company_ids[:1] or self.env.company)
        try:
            if self.webhook_id:
                client.delete_webhook(self.webhook_id)
            answer = client.subscribe_webhook(
                self.webhook_url, flow_types=self._get_webhook_flow_types()
            )
        except AfnorError as error:
            raise UserError(
                self.env._(
                    "The webhook subscription failed: %(error)s", error=str(error)
                )
            ) from error
        self.sudo().write(
            {"webhook_id": answer["webhookId"], "signing_key": answer["signingKey"]}
        )
        return self._notification(self.env._("Webhook subscribed."), "success")

    def _notification(self, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": kind, "sticky": False},
        }

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    @api.model
    def _get_for_company(self, company):
        """The account a client company sends through: its own, else the
        embedded default (the built-in demo platform account)."""
        account = self.search([("company_ids", "in", company.ids)], limit=1)
        if not account:
            account = self.env.ref(
                "cabinet_fullservice.cabinet_platform_account_demo",
                raise_if_not_found=False,
            )
        if not account or not account.active:
            raise UserError(
                self.env._(
                    "No approved platform account serves %(company)s.",
                    company=company.name,
                )
            )
        return account

    def _get_webhook_flow_types(self):
        return ["CustomerInvoice", "CustomerInvoiceLC"]

    def _get_organization_id(self, company):
        """The Organization-Id sent for a client company.

        An account serving one client sends the value the platform gave
        (``organization_id``), or none. An account serving several clients,
        and the embedded default serving every client without an account,
        send the company's SIREN: the identifier under which the platform
        registers each client organisation (its directory key).
        """
        self.ensure_one()
        if len(self.company_ids) == 1:
            return self.organization_id or None
        return company._get_siren() or company.company_registry or None

    def _get_base_url(self):
        self.ensure_one()
        if self.provider != "demo":
            return self.base_url
        params = self.env["ir.config_parameter"].sudo()
        port = int(params.get_param(DEMO_PORT_PARAM, DEMO_DEFAULT_PORT))
        # Seconds between two lifecycle statuses played by the demo platform.
        step = float(params.get_param(DEMO_STEP_PARAM, 30))
        state_dir = f"{tools.config['data_dir']}/cabinet_fullservice"
        return ensure_demo_platform(port, state_dir, step)

    def _get_client(self, company):
        """An AFNOR Flow Service client acting for ``company``.

        :raise ServiceError: the demo platform could not be started.
        """
        self.ensure_one()
        account_sudo = self.sudo()
        return AfnorFlowClient(
            self._get_base_url(),
            token_url=account_sudo.token_url or None,
            client_id=account_sudo.client_id,
            client_secret=account_sudo.client_secret,
            organization_id=self._get_organization_id(company),
            timeout=self.timeout,
        )

    def _get_cursor(self, organization):
        """Date-time to search flows updated after, for one organisation."""
        self.ensure_one()
        saved = (self.status_cursors or {}).get(organization or "")
        if saved:
            start = parse_api_datetime(saved) - CURSOR_OVERLAP
        else:
            start = self.create_date - timedelta(days=1)
        return start.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def _set_cursor(self, organization, updated_at):
        """Remember the latest ``updatedAt`` read (never move backwards)."""
        self.ensure_one()
        moment = parse_api_datetime(updated_at)
        cursors = dict(self.status_cursors or {})
        key = organization or ""
        saved = cursors.get(key)
        if not saved or moment > parse_api_datetime(saved):
            cursors[key] = moment.isoformat()
            self.status_cursors = cursors


def parse_api_datetime(value):
    """Naive UTC datetime of an RFC 3339 date-time of the API."""
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment
