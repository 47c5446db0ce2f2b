import logging

from odoo import api, fields, models

from ..tools import lifecycle
from ..tools.afnor_client import AfnorError
from ..tools.service_process import ServiceError

_logger = logging.getLogger(__name__)

# Lifecycle statuses of flow 6 (CDAR D22B, BR-FR-CDV-CL-06). The official
# labels are French; the English ones are translated back to them in fr.po.
STATUS_CODES = [
    ("200", "Deposited"),
    ("201", "Issued by platform"),
    ("202", "Received by platform"),
    ("203", "Made available"),
    ("204", "Taken over"),
    ("205", "Approved"),
    ("206", "Partially approved"),
    ("207", "In dispute"),
    ("208", "Suspended"),
    ("209", "Completed"),
    ("210", "Refused"),
    ("211", "Payment sent"),
    ("212", "Cashed"),
    ("213", "Rejected"),
    ("214", "Endorsed"),
    ("220", "Cancelled"),
    ("221", "Routing error"),
    ("224", "Direct payment (224)"),
    ("225", "Factoring (225)"),
    ("226", "Factoring (226)"),
    ("227", "Factoring (227)"),
    ("228", "Payee change (228)"),
    ("501", "Inadmissible"),
]
LIFECYCLE_FLOW_TYPES = ("CustomerInvoiceLC",)


class CabinetInvoiceStatus(models.Model):
    """One lifecycle status of an invoice, as exchanged through the platform.

    Statuses are never overwritten: each message is a new record, and the
    invoice's current status is the latest by status date (RC-20).
    """

    _name = "cabinet.invoice.status"
    _description = "Invoice lifecycle status"
    _order = "status_date desc, sequence desc, id desc"
    _rec_name = "code"

    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="move_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="move_id.currency_id")
    code = fields.Selection(selection=STATUS_CODES, required=True, index=True)
    emitter_role = fields.Selection(
        selection=[
            ("WK", "Platform"),
            ("SE", "Seller"),
            ("BY", "Buyer"),
            ("II", "Invoice issuer"),
            ("IV", "Invoicee"),
            ("PE", "Payee"),
            ("PR", "Payer"),
            ("DFH", "Public platform"),
        ],
        help="UNTDID 3035 role of the party that issued the status.",
    )
    status_date = fields.Datetime(required=True, default=fields.Datetime.now)
    reason_code = fields.Char(help="Reason of the status (BR-FR-CDV-CL-09).")
    reason_text = fields.Char()
    amount = fields.Monetary(
        help="Amount carried by the status, e.g. the amount cashed (212)."
    )
    amount_details = fields.Json(
        help="Amounts per VAT rate: list of {type, rate, amount}."
    )
    flow_id = fields.Char(
        string="Platform Flow ID", help="The platform flow that carried it."
    )
    outbox_flow_id = fields.Many2one(
        comodel_name="cabinet.platform.flow",
        string="Outgoing Flow",
        help="For a status this product emitted, the flow that sends it.",
    )
    partial_reconcile_id = fields.Many2one(
        comodel_name="account.partial.reconcile",
        string="Reported Payment",
        ondelete="set null",
        index="btree_not_null",
        help="For a 212 status, the payment matching it reports.",
    )
    source = fields.Selection(
        selection=[("platform", "Platform"), ("product", "This product")],
        required=True,
        default="platform",
    )
    sequence = fields.Integer(
        help="Order of arrival, to sort statuses of the same date."
    )

    _flow_id_unique = models.UniqueIndex(
        "(flow_id) WHERE flow_id IS NOT NULL",
        "This platform flow is already recorded as a status.",
    )
    # BR-FR-CDV-14: one 212 per payment, reported once.
    _partial_unique = models.UniqueIndex(
        "(partial_reconcile_id, code) WHERE partial_reconcile_id IS NOT NULL",
        "This payment is already reported.",
    )

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        statuses = super().create(vals_list)
        statuses._set_arrival_sequence()
        return statuses

    def _set_arrival_sequence(self):
        # One _read_group for all the invoices, then a counter per invoice.
        groups = self._read_group(
            [("move_id", "in", self.move_id.ids), ("id", "not in", self.ids)],
            ["move_id"],
            ["sequence:max"],
        )
        last = {move.id: sequence for move, sequence in groups}
        for status in self.filtered(lambda status: not status.sequence):
            last[status.move_id.id] = last.get(status.move_id.id, 0) + 1
            status.sequence = last[status.move_id.id]

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    @api.model
    def _prepare_status_vals(self, move, message, meta):
        """Values of a status read from a CDAR message of the platform.

        :param message: dict of :func:`lifecycle.read_status_message`
        :param meta: the platform Flow dict that carried it
        """
        return {
            "move_id": move.id,
            "code": message["status_code"],
            "emitter_role": message["issuer_role"],
            "status_date": message["issue_datetime"] or fields.Datetime.now(),
            "reason_code": message["reason_code"],
            "reason_text": message["reason_text"],
            "amount": sum(amount for _type, _rate, amount in message["amounts"]),
            "amount_details": [
                {"type": kind, "rate": str(rate), "amount": str(amount)}
                for kind, rate, amount in message["amounts"]
            ]
            or False,
            "flow_id": meta["flowId"],
            "source": "platform",
        }

    @api.model
    def _fetch_for_account(self, account, company):
        """Read the flows updated on the platform for one client company.

        :return: number of flows read
        """
        organization = account._get_organization_id(company)
        client = account._get_client(company)
        where = {"updatedAfter": account._get_cursor(organization)}
        count = 0
        for meta in client.search_flows(where):
            self._process_platform_flow(client, company, meta)
            account._set_cursor(organization, meta["updatedAt"])
            count += 1
        return count

    @api.model
    def _process_platform_flow(self, client, company, meta):
        """Record what one platform flow tells about our invoices."""
        Flow = self.env["cabinet.platform.flow"]
        if meta.get("trackingId") and meta.get("flowSyntax") != "CDAR":
            ours = Flow.search(
                [
                    ("tracking_id", "=", meta["trackingId"]),
                    ("company_id", "=", company.id),
                ],
                limit=1,
            )
            if ours:
                ours._update_from_platform(meta)
            return
        if self._is_incoming_status(meta):
            self._store_status_flow(client, company, meta)

    @api.model
    def _is_incoming_status(self, meta):
        return (
            meta.get("flowSyntax") == "CDAR"
            and meta.get("flowDirection") == "In"
            and meta.get("flowType") in LIFECYCLE_FLOW_TYPES
            and not self.search_count([("flow_id", "=", meta["flowId"])], limit=1)
        )

    @api.model
    def _store_status_flow(self, client, company, meta):
        message = lifecycle.read_status_message(
            client.get_flow(meta["flowId"], doc_type="Original")
        )
        move = self._find_invoice(
            company, message["invoice_number"], message.get("invoice_date")
        )
        if not move:
            _logger.warning(
                "Lifecycle flow %s: no invoice %s",
                meta["flowId"],
                message["invoice_number"],
            )
            return
        self.create(self._prepare_status_vals(move, message, meta))

    @api.model
    def _find_invoice(self, company, number, invoice_date=None):
        """The sent invoice of the company a status refers to, by its number
        (BT-1) or, when the platform could not read it, our trackingId.

        The issue date (BT-2) the message carries must match too: numbers
        restart each year and a status must never land on another invoice.
        """
        domain = [
            ("message_type", "=", "invoice"),
            ("company_id", "=", company.id),
            "|",
            ("move_id.name", "=", number),
            ("tracking_id", "=", number),
        ]
        if invoice_date:
            domain.append(("move_id.invoice_date", "=", invoice_date))
        flow = self.env["cabinet.platform.flow"].search(
            domain,
            order="id desc",
            limit=1,
        )
        return flow.move_id

    @api.model
    def _get_fetch_pairs(self):
        """(account, company) pairs to search: those that sent flows.

        Each pair has its own Organization-Id, except the companies of a
        single-company account, which share the account's.
        """
        groups = self.env["cabinet.platform.flow"]._read_group(
            [("flow_id", "!=", False), ("account_id.active", "=", True)],
            ["account_id", "company_id"],
        )
        pairs, seen = [], set()
        for account, company in groups:
            key = (account.id, account._get_organization_id(company))
            if key not in seen:
                seen.add(key)
                pairs.append((account, company))
        return pairs

    # -------------------------------------------------------------------------
    # Cron
    # -------------------------------------------------------------------------

    @api.model
    def _cron_fetch_statuses(self):
        """Read new lifecycle statuses and acknowledgements from the platforms.

        One search per account and Organization-Id, from its cursor; a flow
        already recorded is skipped, so runs may overlap safely. One failing
        account does not stop the others.
        """
        pairs = self._get_fetch_pairs()
        for index, (account, company) in enumerate(pairs, start=1):
            try:
                with self.env.cr.savepoint():
                    count = self._fetch_for_account(account, company)
            except (AfnorError, ServiceError):
                _logger.exception(
                    "Status fetch failed for account %s, company %s",
                    account.id,
                    company.id,
                )
                continue
            _logger.info("Account %s: %d platform flows read", account.id, count)
            remaining = len(pairs) - index
            if not self.env["ir.cron"]._commit_progress(1, remaining=remaining):
                return
