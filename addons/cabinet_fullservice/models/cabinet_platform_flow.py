import hashlib
import logging
from datetime import timedelta

from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import mute_logger

from ..tools.afnor_client import AfnorError, AfnorTransientError
from ..tools.service_process import ServiceError

_logger = logging.getLogger(__name__)

DUPLICATE_REASON = "AlreadyExistingFlow"
FLOW_STATES = [
    ("queued", "Queued"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("retry", "Waiting for retry"),
    ("error", "Error"),
    ("rejected", "Rejected by the platform"),
]


class CabinetPlatformFlow(models.Model):
    """Outbox of the files sent to the approved platform.

    One record per file: the invoice itself (Factur-X) or a lifecycle status
    the seller emits (CDAR, e.g. 212 "Encaissée"). The file sent is kept as
    an attachment, with its SHA-256, and the ``tracking_id`` stays the same
    across retries so that the platform recognises a second submission.
    """

    _name = "cabinet.platform.flow"
    _description = "Platform flow"
    _order = "id desc"
    _rec_name = "filename"

    # Retries of temporary failures: 1, 2, 4 ... minutes, at most 6 hours.
    MAX_ATTEMPTS = 8
    RETRY_BASE_DELAY = 60
    RETRY_MAX_DELAY = 6 * 3600

    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        required=True,
        ondelete="restrict",
        index=True,
    )
    company_id = fields.Many2one(
        related="move_id.company_id", store=True, index=True, precompute=True
    )
    account_id = fields.Many2one(
        comodel_name="cabinet.platform.account",
        string="Platform Account",
        required=True,
        ondelete="restrict",
    )
    direction = fields.Selection(
        selection=[("out", "Outgoing"), ("in", "Incoming")],
        required=True,
        default="out",
    )
    message_type = fields.Selection(
        selection=[("invoice", "Invoice"), ("status", "Lifecycle status")],
        required=True,
        default="invoice",
    )
    flow_syntax = fields.Selection(
        selection=[
            ("Factur-X", "Factur-X"),
            ("CII", "CII"),
            ("UBL", "UBL"),
            ("CDAR", "CDAR"),
        ],
        required=True,
        default="Factur-X",
    )
    flow_profile = fields.Char(help="AFNOR FlowProfile, e.g. CIUS, Extended-CTC-FR.")
    tracking_id = fields.Char(
        string="Tracking ID",
        required=True,
        readonly=True,
        copy=False,
        help="Our identifier of the flow, sent as trackingId. It does not "
        "change between retries, so the platform never issues it twice.",
    )
    sha256 = fields.Char(string="SHA-256", readonly=True, copy=False)
    filename = fields.Char(readonly=True)
    attachment_id = fields.Many2one(
        comodel_name="ir.attachment", string="File Sent", readonly=True, copy=False
    )
    state = fields.Selection(
        selection=FLOW_STATES,
        required=True,
        default="queued",
        index=True,
        copy=False,
    )
    attempts = fields.Integer(readonly=True, copy=False)
    next_attempt_at = fields.Datetime(string="Next Attempt", copy=False)
    flow_id = fields.Char(string="Platform Flow ID", readonly=True, copy=False)
    ack_status = fields.Selection(
        selection=[("Pending", "Pending"), ("Ok", "Ok"), ("Error", "Error")],
        string="Acknowledgement",
        readonly=True,
        copy=False,
    )
    last_error = fields.Text(readonly=True, copy=False)
    submitted_at = fields.Datetime(readonly=True, copy=False)
    active = fields.Boolean(default=True)

    _tracking_id_unique = models.Constraint(
        "UNIQUE(tracking_id)", "A tracking ID identifies one flow only."
    )
    # An invoice is sent once: a new invoice flow needs the previous one
    # archived, which only happens after the platform rejected it.
    _one_active_invoice_flow = models.UniqueIndex(
        "(move_id) WHERE active AND direction = 'out' AND message_type = 'invoice'",
        "This invoice already has a flow to the platform.",
    )

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_submitted(self):
        if any(flow.flow_id or flow.state == "sending" for flow in self):
            raise UserError(
                self.env._("A flow the platform received cannot be deleted.")
            )

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_retry(self):
        """Queue flows in error again, with the same file and tracking ID."""
        flows = self.filtered(lambda flow: flow.state == "error")
        flows.write({"state": "queued", "attempts": 0, "next_attempt_at": False})
        self.env.ref("cabinet_fullservice.cabinet_platform_flow_cron_send")._trigger()
        return True

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    @api.model
    def _get_tracking_prefix(self):
        """Short database identifier, so that two databases sharing one
        platform account never send the same trackingId."""
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        return (uuid or "db").replace("-", "")[:8]

    @api.model
    def _get_sendable_domain(self):
        return [
            ("direction", "=", "out"),
            "|",
            ("state", "in", ("queued", "sending")),
            "&",
            ("state", "=", "retry"),
            ("next_attempt_at", "<=", fields.Datetime.now()),
        ]

    def _attach_file(self, content, filename, mimetype):
        """Keep the exact file sent, and its checksum."""
        self.ensure_one()
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": filename,
                    "raw": content,
                    "mimetype": mimetype,
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        self.write(
            {
                "attachment_id": attachment.id,
                "filename": filename,
                "sha256": hashlib.sha256(content).hexdigest(),
            }
        )

    def _ensure_file(self):
        """Build the invoice file at the first attempt; retries resend it."""
        self.ensure_one()
        if self.attachment_id:
            return
        move = self.move_id
        content = move._cabinet_get_facturx_pdf()
        self._attach_file(content, move._cabinet_get_flow_filename(), "application/pdf")
        # From here on the file is the issued invoice: its XML and PDF are
        # frozen (a later payment or edit never rewrites what was sent).
        move.sudo().is_move_sent = True

    def _send(self, recovering=False):
        """Submit one flow; the outcome is written on the flow and the invoice.

        :param recovering: the flow was left "sending" by a run that died, so
            the platform may already have it: look it up before submitting.
        """
        self.ensure_one()
        try:
            client = self.account_id._get_client(self.company_id)
            answer = recovering and self._find_on_platform(client)
            answer = answer or self._submit(client)
        except (AfnorTransientError, ServiceError) as error:
            self._schedule_retry(error)
        except AfnorError as error:
            self._set_error(str(error))
        else:
            self._set_submitted(answer)

    def _submit(self, client):
        """POST the file; a duplicate answer is replaced by the original."""
        self.ensure_one()
        answer = client.submit_flow(
            self.filename,
            self.attachment_id.raw,
            self.flow_syntax,
            self.tracking_id,
            flow_profile=self.flow_profile or None,
        )
        if _is_duplicate(answer):
            # The platform already has this trackingId: keep the flow it
            # accepted first, never the refused copy (XP Z12-013 ack reason).
            _logger.warning("Flow %s: platform answered duplicate", self.id)
            return self._find_on_platform(client) or answer
        return answer

    def _find_on_platform(self, client):
        """The flow the platform accepted for our trackingId, if any.

        Used after a crash between the submission and its commit: the
        platform may have the flow while we do not know its flowId.
        """
        self.ensure_one()
        where = {"trackingId": self.tracking_id}
        found = [flow for flow in client.search_flows(where) if not _is_duplicate(flow)]
        return min(found, key=lambda flow: flow.get("submittedAt") or "", default=None)

    def _set_submitted(self, answer):
        ack = answer.get("acknowledgement") or {}
        vals = {
            "flow_id": answer.get("flowId"),
            "ack_status": ack.get("status"),
            "submitted_at": fields.Datetime.now(),
            "next_attempt_at": False,
        }
        if _is_duplicate(answer):
            vals.update(state="retry", flow_id=False, ack_status=False)
            vals["next_attempt_at"] = self._next_attempt_date(None)
            vals["last_error"] = self.env._(
                "The platform says it already has this flow but did not return "
                "it yet; the search is retried."
            )
        elif ack.get("status") == "Error":
            vals.update(state="rejected", last_error=_ack_message(ack))
        else:
            vals.update(state="sent", last_error=False)
        self.write(vals)
        self.move_id._cabinet_on_flow_result(self)

    def _next_attempt_date(self, retry_after):
        delay = min(
            self.RETRY_BASE_DELAY * 2 ** max(self.attempts - 1, 0),
            self.RETRY_MAX_DELAY,
        )
        return fields.Datetime.now() + timedelta(seconds=max(delay, retry_after or 0))

    def _schedule_retry(self, error):
        if self.attempts >= self.MAX_ATTEMPTS:
            self._set_error(str(error))
            return
        retry_after = getattr(error, "retry_after", None)
        _logger.warning("Flow %s: temporary failure, retried later", self.id)
        self.write(
            {
                "state": "retry",
                "next_attempt_at": self._next_attempt_date(retry_after),
                "last_error": str(error),
            }
        )

    def _set_error(self, message):
        _logger.warning("Flow %s: sending failed", self.id)
        self.write({"state": "error", "last_error": message, "next_attempt_at": False})
        self.move_id._cabinet_on_flow_result(self)

    def _update_from_platform(self, meta):
        """Apply the acknowledgement read back from the platform.

        A copy refused as a duplicate carries another flowId: it is ignored
        and never changes this flow or its invoice.
        """
        self.ensure_one()
        if meta.get("flowId") != self.flow_id or _is_duplicate(meta):
            return
        ack = meta.get("acknowledgement") or {}
        status = ack.get("status")
        if not status or status == self.ack_status:
            return
        vals = {"ack_status": status}
        if status == "Error" and self.state == "sent":
            vals.update(state="rejected", last_error=_ack_message(ack))
        self.write(vals)
        if vals.get("state"):
            self.move_id._cabinet_on_flow_result(self)

    # -------------------------------------------------------------------------
    # Cron
    # -------------------------------------------------------------------------

    @api.model
    def _cron_send_flows(self, batch_size=20):
        """Send the queued flows and the retries that are due, in batches.

        Each flow is marked "sending" and committed before the platform is
        called: if the worker dies before recording the answer, the next run
        finds it "sending" and first asks the platform for its trackingId, so
        the invoice is never issued twice.
        """
        domain = self._get_sendable_domain()
        while flows := self.search(domain, order="id", limit=batch_size):
            sent = 0
            for flow in flows:
                sent += flow._send_locked()
            remaining = self.search_count(domain)
            _logger.info("Platform flows: %d processed, %d left", sent, remaining)
            if not sent or not self.env["ir.cron"]._commit_progress(
                0, remaining=remaining
            ):
                return

    def _try_lock(self):
        """Lock the flow for this transaction; False when another worker
        holds it or changed it since this transaction began."""
        # An expected refusal, handled here: not logged as a failed query.
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                return bool(self.try_lock_for_update())
        except (errors.SerializationFailure, errors.LockNotAvailable):
            return False

    def _send_locked(self):
        """Lock, build the file, mark as sending and commit, then send.

        :return: 1 when the flow was processed, 0 when another worker holds it
        """
        if not self._try_lock():
            return 0
        recovering = self.state == "sending"
        try:
            # Built and committed before the call: a retry after a crash
            # resends the very bytes the platform may already hold.
            self._ensure_file()
        except UserError as error:
            self._set_error(str(error))
            self.env["ir.cron"]._commit_progress(1)
            return 1
        self.write({"state": "sending", "attempts": self.attempts + 1})
        self.env["ir.cron"]._commit_progress(0)
        if not self._try_lock():
            return 0
        self._send(recovering=recovering)
        self.env["ir.cron"]._commit_progress(1)
        return 1


def _is_duplicate(flow):
    """True for a platform answer refusing a trackingId already received."""
    details = (flow.get("acknowledgement") or {}).get("details") or []
    return any(detail.get("reasonCode") == DUPLICATE_REASON for detail in details)


def _ack_message(ack):
    """Readable text of an acknowledgement in error."""
    details = ack.get("details") or []
    lines = [
        f"{detail.get('reasonCode')}: {detail.get('reasonMessage')}"
        for detail in details
    ]
    return "\n".join(lines) or "The platform refused the flow."
