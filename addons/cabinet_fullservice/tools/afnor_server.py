#!/usr/bin/env python3
"""Local AFNOR XP Z12-013 Flow Service (v1.3.0): test double and demo platform.

Two uses:

* tests start it in a thread, ``AfnorServer().start()`` returning its base URL,
  then drive the lifecycle with ``advance()`` and inject failures;
* the product's demo platform runs it as a process::

    python3 addons/cabinet_fullservice/tools/afnor_server.py \\
        --port 8079 --state-file /tmp/afnor.json --step-seconds 30

It serves every route of the Flow Service under ``/v1`` with the request
checks of the OpenAPI file, keeps flows in a JSON state file, and plays a
lifecycle for each accepted invoice: CDAR status flows 200, 202, 203, 204,
205 (or a rejection 213 / refusal 210) as incoming ``CustomerInvoiceLC``
flows. It listens on 127.0.0.1 only and calls webhooks on loopback URLs only.

HTTP is stdlib only; the CDAR documents come from the sibling ``cdar`` module
(lxml). Same trackingId submitted twice: see :meth:`FlowStore.submit`.
"""

import argparse
import base64
import hashlib
import hmac
import importlib
import io
import ipaddress
import json
import logging
import os
import re
import secrets
import threading
import time
import urllib.request
import uuid
from datetime import date, datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from lxml import etree

# Works as a script (its folder is on sys.path) and inside the package.
cdar = importlib.import_module(f"{__package__}.cdar" if __package__ else "cdar")

_logger = logging.getLogger(__name__)

FLOW_SYNTAXES = ("CII", "UBL", "Factur-X", "CDAR", "FRR")
FLOW_PROFILES = ("Basic", "CIUS", "Extended-CTC-FR", "Undefined")
PROCESSING_RULES = (
    "B2B",
    "B2BInt",
    "B2C",
    "B2G",
    "B2GInt",
    "OutOfScope",
    "B2GOutOfScope",
    "ArchiveOnly",
    "NotApplicable",
    "Undefined",
)
FLOW_DIRECTIONS = ("In", "Out")
ACK_STATUSES = ("Pending", "Ok", "Error")
FLOW_TYPES = (
    "CustomerInvoice",
    "SupplierInvoice",
    "CustomerInvoiceLC",
    "SupplierInvoiceLC",
    "StateCustomerInvoiceLC",
    "StateSupplierInvoiceLC",
    "AggregatedCustomerTransactionReport",
    "UnitaryCustomerTransactionReport",
    "AggregatedCustomerPaymentReport",
    "UnitaryCustomerPaymentReport",
    "UnitarySupplierTransactionReport",
    "MultiFlowReport",
    "StateCustomerInvoice",
    "StateSupplierInvoice",
    "StateTransactionReport",
    "StateTransactionReportLC",
    "StatePaymentReport",
    "StatePaymentReportLC",
    "Undefined",
)
DOC_TYPES = ("Metadata", "Original", "Converted", "ReadableView")
INVOICE_SYNTAXES = ("CII", "UBL", "Factur-X")
SHA256_RE = re.compile(r"^[a-f0-9]{64}$")
MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 255
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MAX_FILE_SIZE = 100 * 1024 * 1024
LOOPBACK_HOSTS = ("localhost",)

# Lifecycle scenarios: (status code, reason code) in emission order.
SCENARIOS = {
    "accepted": [("200", None), ("202", None), ("203", None), ("204", None)]
    + [("205", None)],
    "rejected": [("200", None), ("213", "REJ_SEMAN")],
    "refused": [("200", None), ("202", None), ("203", None), ("204", None)]
    + [("210", "TX_TVA_ERR")],
}
# Demo platform: a trackingId or file name containing these words picks the
# scenario, so a user can show a rejection without touching the server.
SCENARIO_KEYWORDS = {"REJECT": "rejected", "REFUSE": "refused"}

ERROR_CODES = {
    400: "MISSING_REQUIRED_FIELD",
    401: "INVALID_TOKEN",
    403: "FORBIDDEN_ACCESS",
    404: "MISSING_RESOURCE",
    413: "FILE_SIZE_EXCEEDED",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_ERROR",
    503: "RESOURCE_ERROR",
}


class ApiError(Exception):
    """An HTTP error answer with an AFNOR ``Error`` body."""

    def __init__(self, status, message, code=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code or ERROR_CODES.get(status, "ERROR")
        self.message = message
        self.headers = headers or {}

    def body(self):
        return {"errorCode": self.code, "errorMessage": self.message}


def iso(moment):
    """RFC 3339 text of an aware datetime, microseconds kept (strict order)."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def parse_datetime(value, field):
    """Parse an RFC 3339 date-time or raise a 400."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApiError(400, f"{field} is not a date-time: {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def is_loopback_url(url):
    """True when the URL's host is this machine (127.0.0.0/8, ::1)."""
    host = urlsplit(url).hostname or ""
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sign_callback(body_bytes, timestamp, signing_key):
    """Webhook signature, as ``createWebhook`` of the spec describes it.

    SHA-256 fingerprint of ``body + "@" + epoch seconds`` (hex), HMAC-SHA-256
    of it with the base64-decoded signing key, base64 encoded.
    """
    fingerprint = hashlib.sha256(body_bytes + b"@" + str(timestamp).encode())
    key = base64.b64decode(signing_key)
    digest = hmac.new(key, fingerprint.hexdigest().encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


# ---------------------------------------------------------------------------
# Request checks (the OpenAPI schemas, by hand)
# ---------------------------------------------------------------------------


def check_enum(value, allowed, field):
    if value not in allowed:
        raise ApiError(400, f"{field} must be one of {', '.join(allowed)}")


def check_text(value, field, max_length):
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"{field} must be a non-empty string")
    if len(value) > max_length:
        raise ApiError(400, f"{field} is longer than {max_length} characters")


def check_flow_info(info):
    """Validate a FlowInfo object (CoreFlowInfo + sha256)."""
    if not isinstance(info, dict):
        raise ApiError(400, "flowInfo must be a JSON object")
    for field in ("name", "flowSyntax"):
        if field not in info:
            raise ApiError(400, f"flowInfo.{field} is required")
    check_text(info["name"], "flowInfo.name", MAX_NAME_LENGTH)
    check_enum(info["flowSyntax"], FLOW_SYNTAXES, "flowInfo.flowSyntax")
    if "trackingId" in info:
        check_text(info["trackingId"], "flowInfo.trackingId", MAX_ID_LENGTH)
    if "processingRule" in info:
        check_enum(info["processingRule"], PROCESSING_RULES, "flowInfo.processingRule")
    if "flowProfile" in info:
        check_enum(info["flowProfile"], FLOW_PROFILES, "flowInfo.flowProfile")
    sha = info.get("sha256")
    if sha is not None and not (isinstance(sha, str) and SHA256_RE.match(sha)):
        raise ApiError(400, "flowInfo.sha256 must be 64 lowercase hex characters")


def check_enum_list(value, allowed, field):
    if not isinstance(value, list):
        raise ApiError(400, f"{field} must be an array")
    for item in value:
        check_enum(item, allowed, field)


def check_search_filters(where):
    """Validate SearchFlowFilters; at least one criterion is required."""
    if not isinstance(where, dict) or not where:
        raise ApiError(400, "where must hold at least one criterion")
    known = {
        "updatedAfter",
        "updatedBefore",
        "processingRule",
        "flowType",
        "flowDirection",
        "trackingId",
        "ackStatus",
    }
    unknown = set(where) - known
    if unknown:
        raise ApiError(400, f"Unknown search criteria: {', '.join(sorted(unknown))}")
    for field in ("updatedAfter", "updatedBefore"):
        if field in where:
            parse_datetime(where[field], field)
    lists = {
        "processingRule": PROCESSING_RULES,
        "flowType": FLOW_TYPES,
        "flowDirection": FLOW_DIRECTIONS,
    }
    for field, allowed in lists.items():
        if field in where:
            check_enum_list(where[field], allowed, field)
    if "trackingId" in where:
        check_text(where["trackingId"], "trackingId", MAX_ID_LENGTH)
    if "ackStatus" in where:
        check_enum(where["ackStatus"], ACK_STATUSES, "ackStatus")


def check_limit(value):
    if value is None:
        return DEFAULT_LIMIT
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, "limit must be an integer")
    if not 1 <= value <= MAX_LIMIT:
        raise ApiError(400, f"limit must be between 1 and {MAX_LIMIT}")
    return value


def check_webhook_params(params):
    """Validate WebhookParams."""
    if not isinstance(params, dict):
        raise ApiError(400, "The body must be a JSON object")
    url = params.get("callbackUrl")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise ApiError(400, "callbackUrl is required and must be an http(s) URL")
    if "flowTypes" in params:
        check_enum_list(params["flowTypes"], FLOW_TYPES, "flowTypes")
    if "flowDirection" in params:
        check_enum(params["flowDirection"], FLOW_DIRECTIONS, "flowDirection")
    if "ackStatus" in params:
        check_enum(params["ackStatus"], ACK_STATUSES, "ackStatus")


# ---------------------------------------------------------------------------
# Multipart and invoice reading
# ---------------------------------------------------------------------------


def parse_multipart(content_type, body):
    """Split a multipart/form-data body: ``{name: (headers, bytes)}``."""
    match = re.search(r'boundary="?([^";]+)"?', content_type or "")
    if not content_type.startswith("multipart/form-data") or not match:
        raise ApiError(400, "The body must be multipart/form-data")
    delimiter = b"--" + match.group(1).encode()
    parts = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _sep, payload = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = _part_headers(head)
        name = re.search(r'name="([^"]*)"', headers.get("content-disposition", ""))
        if name:
            parts[name.group(1)] = (headers, payload.removesuffix(b"\r\n"))
    return parts


def _part_headers(head):
    headers = {}
    for line in head.decode("latin-1").split("\r\n"):
        key, _sep, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return headers


def _xml_of_invoice(content, syntax):
    """The invoice XML: the file itself, or the one embedded in a Factur-X."""
    if syntax != "Factur-X" or content.lstrip().startswith(b"<"):
        return content
    # pypdf (a dependency of factur-x) rather than facturx itself: this
    # server also runs inside Odoo test processes, where importing facturx
    # breaks (DOMAIN.md, section 5).
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    # pypdf raises many kinds of errors on a damaged PDF; the demo then
    # falls back to default values, so any failure is acceptable here.
    try:
        attachments = PdfReader(io.BytesIO(content)).attachments
    except Exception:  # noqa: BLE001
        return None
    files = attachments.get("factur-x.xml") or attachments.get("zugferd-invoice.xml")
    return files[0] if files else None


def _first_text(root, *paths):
    for path in paths:
        found = root.xpath(f"string({path})")
        if found.strip():
            return found.strip()
    return None


def invoice_facts(content, syntax):
    """Invoice number, date and SIRENs read from a CII/UBL/Factur-X file.

    :return: dict; missing values are None (the caller falls back).
    """
    facts = dict.fromkeys(("number", "date", "type", "seller", "buyer"))
    xml = _xml_of_invoice(content, syntax)
    try:
        root = etree.fromstring(xml) if xml else None
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        return facts
    ln = "*[local-name()='{}']".format
    facts["number"] = _first_text(
        root,
        f"/*/{ln('ExchangedDocument')}/{ln('ID')}",
        f"/*/{ln('ID')}",
    )
    raw_date = _first_text(
        root,
        f"/*/{ln('ExchangedDocument')}/{ln('IssueDateTime')}/*",
        f"/*/{ln('IssueDate')}",
    )
    facts["date"] = _parse_invoice_date(raw_date)
    facts["type"] = _first_text(
        root,
        f"/*/{ln('ExchangedDocument')}/{ln('TypeCode')}",
        f"/*/{ln('InvoiceTypeCode')}",
        f"/*/{ln('CreditNoteTypeCode')}",
    )
    legal = f"{ln('SpecifiedLegalOrganization')}/{ln('ID')}"
    facts["seller"] = _first_text(root, f"//{ln('SellerTradeParty')}/{legal}")
    facts["buyer"] = _first_text(root, f"//{ln('BuyerTradeParty')}/{legal}")
    return facts


def _siren_of(identifier):
    """A SIREN from a SIREN or a SIRET (its first 9 digits)."""
    if identifier and re.fullmatch(r"\d{14}", identifier):
        return identifier[:9]
    return identifier


def _parse_invoice_date(text):
    for fmt in ("%Y%m%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(text or "", fmt).date()
        except ValueError:
            continue
    return None


# ---------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------


class FlowStore:
    """Flows, webhooks and lifecycle plans, optionally saved to a JSON file.

    Thread safe (one lock). Flows are scoped by ``Organization-Id``: a flow
    submitted for one organisation is invisible to another.
    """

    def __init__(self, clock, state_file=None, step_seconds=None, defaults=None):
        self.clock = clock
        self.state_file = state_file
        self.step_seconds = step_seconds
        self.defaults = defaults or {}
        self.lock = threading.RLock()
        self.flows = {}
        self.webhooks = {}
        self.plans = {}
        self.scenarios = {}
        self.seq = 0
        self.events = []
        self._load()

    # -- persistence --------------------------------------------------------

    def _load(self):
        if not self.state_file or not os.path.exists(self.state_file):
            return
        with open(self.state_file, encoding="utf-8") as handle:
            state = json.load(handle)
        self.flows = state.get("flows", {})
        self.webhooks = state.get("webhooks", {})
        self.plans = state.get("plans", {})
        self.seq = state.get("seq", 0)

    def save(self):
        """Write the state file atomically (no-op without a state file)."""
        if not self.state_file:
            return
        state = {
            "flows": self.flows,
            "webhooks": self.webhooks,
            "plans": self.plans,
            "seq": self.seq,
        }
        temp = f"{self.state_file}.tmp"
        with open(temp, "w", encoding="utf-8") as handle:
            json.dump(state, handle)
        os.replace(temp, self.state_file)

    # -- flows --------------------------------------------------------------

    def _new_record(self, meta, content, content_type, org):
        self.seq += 1
        record = {
            "meta": meta,
            "file": base64.b64encode(content).decode(),
            "contentType": content_type,
            "org": org,
            "seq": self.seq,
        }
        self.flows[meta["flowId"]] = record
        self.events.append(meta["flowId"])
        return record

    def _base_meta(self, info, flow_type, direction, now):
        meta = {
            "flowId": str(uuid.uuid4()),
            "submittedAt": iso(now),
            "updatedAt": iso(now),
            "name": info["name"],
            "flowSyntax": info["flowSyntax"],
            "flowProfile": info.get("flowProfile") or "Undefined",
            "processingRule": info.get("processingRule") or "B2B",
            "processingRuleSource": "Input"
            if info.get("processingRule")
            else "Computed",
            "flowType": flow_type,
            "flowDirection": direction,
            "acknowledgement": {"status": "Pending"},
        }
        for key in ("trackingId", "sha256"):
            if info.get(key):
                meta[key] = info[key]
        return meta

    @staticmethod
    def _flow_type_of(syntax):
        if syntax in INVOICE_SYNTAXES:
            return "CustomerInvoice"
        if syntax == "CDAR":
            return "CustomerInvoiceLC"
        # Without reading an e-reporting file, its exact 10.x kind is unknown.
        return "MultiFlowReport"

    def find_live_invoice(self, org, tracking_id):
        """The accepted (not in error) invoice flow with this trackingId."""
        for record in self.flows.values():
            meta = record["meta"]
            if (
                record["org"] == org
                and meta.get("trackingId") == tracking_id
                and meta["flowType"] == "CustomerInvoice"
                and meta["acknowledgement"]["status"] != "Error"
            ):
                return record
        return None

    def submit(self, info, content, content_type, org):
        """Register a submitted flow and plan its lifecycle.

        Same trackingId twice: the spec has no idempotent submission but
        defines the acknowledgement reason ``AlreadyExistingFlow`` ("the flow
        has already been sent and received"). So the second submission gets
        its own flowId (202) whose acknowledgement is ``Error`` /
        ``AlreadyExistingFlow`` naming the first flow; no lifecycle is played
        for it and the first flow is untouched.
        """
        with self.lock:
            now = self.clock()
            flow_type = self._flow_type_of(info["flowSyntax"])
            meta = self._base_meta(info, flow_type, "Out", now)
            duplicate = None
            if flow_type == "CustomerInvoice" and info.get("trackingId"):
                duplicate = self.find_live_invoice(org, info["trackingId"])
            if duplicate:
                meta["acknowledgement"] = self._duplicate_ack(duplicate)
            elif not self._well_formed(content, info["flowSyntax"]):
                meta["acknowledgement"] = self._error_ack(
                    "file", "InvalidSchema", "The file is not well-formed XML."
                )
            record = self._new_record(meta, content, content_type, org)
            if meta["acknowledgement"]["status"] == "Pending":
                self._plan(record, info)
            self.save()
            return dict(meta)

    @staticmethod
    def _well_formed(content, syntax):
        if syntax not in ("CII", "UBL", "CDAR"):
            return True
        try:
            etree.fromstring(content)
        except etree.XMLSyntaxError:
            return False
        return True

    @staticmethod
    def _error_ack(item, reason, message):
        detail = {
            "level": "Error",
            "item": item,
            "reasonCode": reason,
            "reasonMessage": message,
        }
        return {"status": "Error", "details": [detail]}

    def _duplicate_ack(self, existing):
        meta = existing["meta"]
        return self._error_ack(
            "trackingId",
            "AlreadyExistingFlow",
            f"trackingId {meta['trackingId']} was already received as flow "
            f"{meta['flowId']}.",
        )

    def visible(self, org):
        """Flow records of one organisation, in creation order."""
        records = [r for r in self.flows.values() if r["org"] == org]
        return sorted(records, key=lambda record: record["seq"])

    def get(self, flow_id, org):
        record = self.flows.get(flow_id)
        if not record or record["org"] != org:
            raise ApiError(404, f"Flow {flow_id} not found")
        return record

    # -- lifecycle ----------------------------------------------------------

    def _scenario_for(self, info):
        tracking = info.get("trackingId") or ""
        if tracking in self.scenarios:
            return self.scenarios.pop(tracking)
        text = f"{tracking} {info['name']}".upper()
        for keyword, scenario in SCENARIO_KEYWORDS.items():
            if keyword in text:
                return scenario, None
        return "accepted", None

    def _plan(self, record, info):
        """Plan the status flows of an invoice; an ack-only plan otherwise."""
        meta = record["meta"]
        steps = []
        if meta["flowType"] == "CustomerInvoice":
            scenario, reason = self._scenario_for(info)
            steps = [list(step) for step in SCENARIOS[scenario]]
            if reason and steps[-1][1]:
                steps[-1][1] = reason
        content = base64.b64decode(record["file"])
        facts = invoice_facts(content, meta["flowSyntax"])
        self.plans[meta["flowId"]] = {
            "steps": steps,
            "done": 0,
            "acked": False,
            "facts": self._facts_with_defaults(facts, meta),
        }

    def _facts_with_defaults(self, facts, meta):
        submitted = parse_datetime(meta["submittedAt"], "submittedAt")
        return {
            "number": facts["number"] or meta.get("trackingId") or meta["name"],
            "date": (facts["date"] or submitted.date()).isoformat(),
            "type": facts["type"] or "380",
            "seller": _siren_of(facts["seller"]) or self.defaults.get("seller_siren"),
            "buyer": _siren_of(facts["buyer"]) or self.defaults.get("buyer_siren"),
        }

    def _pending_plans(self):
        return [(fid, plan) for fid, plan in self.plans.items() if self._has_next(plan)]

    @staticmethod
    def _has_next(plan):
        return not plan["acked"] or plan["done"] < len(plan["steps"])

    def advance(self):
        """Move every pending lifecycle one step; return the new LC flows."""
        with self.lock:
            created = []
            for flow_id, plan in self._pending_plans():
                created += self._step(flow_id, plan)
            self.save()
            return created

    def tick(self):
        """Play the steps that are due by the clock (``step_seconds`` apart)."""
        if not self.step_seconds:
            return []
        with self.lock:
            created = []
            now = self.clock().timestamp()
            for flow_id, plan in self._pending_plans():
                while self._has_next(plan) and self._due(flow_id, plan) <= now:
                    created += self._step(flow_id, plan)
            if created:
                self.save()
            return created

    def _due(self, flow_id, plan):
        submitted = parse_datetime(self.flows[flow_id]["meta"]["submittedAt"], "")
        played = plan.get("played", 0)
        return submitted.timestamp() + (played + 1) * self.step_seconds

    def _step(self, flow_id, plan):
        """One step: the acknowledgement turns Ok with status 200, then one
        status per step."""
        invoice = self.flows[flow_id]
        now = self.clock()
        created = []
        plan["played"] = plan.get("played", 0) + 1
        if not plan["acked"]:
            plan["acked"] = True
            invoice["meta"]["acknowledgement"] = {"status": "Ok"}
            invoice["meta"]["updatedAt"] = iso(now)
            self.events.append(flow_id)
        if plan["done"] < len(plan["steps"]):
            code, reason = plan["steps"][plan["done"]]
            plan["done"] += 1
            created.append(self._emit_status(invoice, plan, code, reason, now))
        return created

    def _emit_status(self, invoice, plan, code, reason, now):
        facts = plan["facts"]
        message_id = f"CDV-{uuid.uuid4().hex[:20]}"
        xml = cdar.build_status_message(
            facts["number"],
            date.fromisoformat(facts["date"]),
            code,
            facts["seller"],
            message_id,
            issue_datetime=now,
            buyer_siren=facts["buyer"],
            reason_code=reason,
            reason_text=cdar.STATUS_LABELS.get(code),
            invoice_type_code=facts.get("type") or "380",
        )
        invoice_meta = invoice["meta"]
        info = {
            "name": f"CDAR_{code}_{message_id}.xml",
            "flowSyntax": "CDAR",
            "flowProfile": invoice_meta["flowProfile"],
            "processingRule": invoice_meta["processingRule"],
        }
        meta = self._base_meta(info, "CustomerInvoiceLC", "In", now)
        meta["processingRuleSource"] = "Computed"
        meta["acknowledgement"] = {"status": "Ok"}
        meta["sha256"] = hashlib.sha256(xml).hexdigest()
        self._new_record(meta, xml, "application/xml", invoice["org"])
        return dict(meta)

    # -- webhooks -----------------------------------------------------------

    def add_webhook(self, params, org):
        with self.lock:
            hook = {
                "webhookId": str(uuid.uuid4()),
                "signingKey": base64.b64encode(secrets.token_bytes(32)).decode(),
                "createdAt": iso(self.clock()),
                **params,
            }
            self.webhooks[hook["webhookId"]] = {"hook": hook, "org": org}
            self.save()
            return hook

    def list_webhooks(self, org):
        hooks = [w["hook"] for w in self.webhooks.values() if w["org"] == org]
        # The signing key is shown once, at subscription.
        return [{k: v for k, v in h.items() if k != "signingKey"} for h in hooks]

    def delete_webhook(self, uid, org):
        with self.lock:
            entry = self.webhooks.get(uid)
            if not entry or entry["org"] != org:
                raise ApiError(404, f"Webhook {uid} not found")
            del self.webhooks[uid]
            self.save()

    def take_events(self):
        """Flow ids created or changed since the last call."""
        with self.lock:
            events, self.events = self.events, []
            return events


# ---------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------


def flow_matches(meta, where):
    """Apply SearchFlowFilters (AND between criteria, OR inside lists)."""
    updated = parse_datetime(meta["updatedAt"], "updatedAt")
    if "updatedAfter" in where and not (
        # The spec says strict: updatedAt > updatedAfter.
        updated > parse_datetime(where["updatedAfter"], "updatedAfter")
    ):
        return False
    if "updatedBefore" in where and not (
        updated < parse_datetime(where["updatedBefore"], "updatedBefore")
    ):
        return False
    for field in ("processingRule", "flowType", "flowDirection"):
        if field in where and meta.get(field) not in where[field]:
            return False
    if "trackingId" in where and meta.get("trackingId") != where["trackingId"]:
        return False
    ack = meta["acknowledgement"]["status"]
    return "ackStatus" not in where or ack == where["ackStatus"]


def encode_cursor(seq, where):
    raw = json.dumps({"after": seq, "where": where}, sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor, where):
    """Return the sequence number a cursor points after (400 if foreign)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(str(cursor).encode()))
        after = int(data["after"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiError(400, "cursor is not valid") from exc
    if data.get("where") != where:
        raise ApiError(400, "cursor belongs to another search")
    return after


def search_page(records, body):
    """Run a search request body over flow records; return the response."""
    if not isinstance(body, dict):
        raise ApiError(400, "The body must be a JSON object")
    if "where" not in body:
        raise ApiError(400, "where is required")
    where = body["where"]
    check_search_filters(where)
    limit = check_limit(body.get("limit"))
    after = decode_cursor(body["cursor"], where) if body.get("cursor") else 0
    matching = [
        r for r in records if r["seq"] > after and flow_matches(r["meta"], where)
    ]
    page = matching[:limit]
    result = {"limit": limit, "filters": where, "results": [r["meta"] for r in page]}
    if len(matching) > limit:
        result["nextCursor"] = encode_cursor(page[-1]["seq"], where)
    return result


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------


class FlowRequestHandler(BaseHTTPRequestHandler):
    """Routes of the Flow Service; the server object holds the state."""

    protocol_version = "HTTP/1.1"
    server_version = "AfnorFlowServiceDemo/1.3.0"

    def log_message(self, format, *args):
        _logger.debug("%s - %s", self.address_string(), format % args)

    # -- plumbing -----------------------------------------------------------

    def _send(self, status, body=b"", content_type="application/json", headers=None):
        self.send_response(status)
        if body or status not in (204,):
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _send_json(self, status, payload, headers=None):
        self._send(status, json.dumps(payload).encode(), headers=headers)

    def _send_error(self, error):
        headers = dict(error.headers)
        if error.status == 413:
            headers["Connection"] = "close"
            self.close_connection = True
        self._send_json(error.status, error.body(), headers)

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.server.app.max_file_size + 1024 * 1024:
            raise ApiError(413, "The request is larger than the file size limit")
        return self.rfile.read(length) if length else b""

    def _json_body(self, raw):
        try:
            return json.loads(raw or b"null")
        except ValueError as exc:
            raise ApiError(400, "The body is not valid JSON") from exc

    def _dispatch(self, method):
        app = self.server.app
        split = urlsplit(self.path)
        try:
            self._raw = self._read_body() if method == "POST" else b""
            app.record(method, split, self.headers, self._raw)
            if split.path == "/oauth/token" and method == "POST":
                return self._token(self._raw)
            # The spec declares no 401 for the healthcheck: it stays open.
            if split.path != "/v1/healthcheck":
                app.authenticate(self.headers)
            app.inject(split.path, method)
            app.store.tick()
            self._route(method, split)
        except ApiError as error:
            self._send_error(error)
        except Exception:
            _logger.exception("AFNOR demo server failed on %s %s", method, split.path)
            self._send_error(ApiError(500, "Internal error of the demo server"))
        finally:
            app.deliver_webhooks()

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    # -- routes -------------------------------------------------------------

    def _route(self, method, split):
        path = split.path
        org = self.headers.get("Organization-Id") or ""
        if path == "/v1/flows" and method == "POST":
            return self._submit(org)
        if path == "/v1/flows/search" and method == "POST":
            return self._search(org)
        if path.startswith("/v1/flows/") and method == "GET":
            return self._get_flow(unquote(path[len("/v1/flows/") :]), split, org)
        if path == "/v1/webhooks" and method == "GET":
            return self._list_webhooks(org)
        if path == "/v1/webhooks" and method == "POST":
            return self._subscribe(org)
        if path.startswith("/v1/webhooks/") and method == "DELETE":
            uid = unquote(path[len("/v1/webhooks/") :])
            self.server.app.store.delete_webhook(uid, org)
            return self._send(204)
        if path == "/v1/healthcheck" and method == "GET":
            return self._send(200, content_type="text/plain")
        raise ApiError(404, f"No route {method} {path}")

    def _submit(self, org):
        app = self.server.app
        parts = parse_multipart(self.headers.get("Content-Type", ""), self._raw)
        for name in ("flowInfo", "file"):
            if name not in parts:
                raise ApiError(400, f"The multipart part {name} is required")
        info = self._json_body(parts["flowInfo"][1])
        check_flow_info(info)
        headers, content = parts["file"]
        app.check_file(info, content)
        content_type = headers.get("content-type") or "application/octet-stream"
        flow = app.store.submit(info, content, content_type, org)
        self._send_json(202, flow)

    def _search(self, org):
        store = self.server.app.store
        body = self._json_body(self._raw)
        with store.lock:
            result = search_page(store.visible(org), body)
        self._send_json(200, result)

    def _get_flow(self, flow_id, split, org):
        query = parse_qs(split.query)
        doc_type = (query.get("docType") or ["Metadata"])[0]
        check_enum(doc_type, DOC_TYPES, "docType")
        check_text(flow_id, "flowId", MAX_ID_LENGTH)
        record = self.server.app.store.get(flow_id, org)
        if doc_type == "Metadata":
            return self._send_json(200, record["meta"])
        if doc_type != "Original":
            raise ApiError(404, f"No {doc_type} document for flow {flow_id}")
        disposition = f'attachment;filename="{record["meta"]["name"]}"'
        self._send(
            200,
            base64.b64decode(record["file"]),
            content_type=record["contentType"],
            headers={"Content-Disposition": disposition},
        )

    def _list_webhooks(self, org):
        hooks = self.server.app.store.list_webhooks(org)
        # "webhookIds" is listed as required by the 1.3.0 file although only
        # "webhooks" is defined: send both.
        ids = [hook["webhookId"] for hook in hooks]
        payload = {"count": len(hooks), "webhookIds": ids, "webhooks": hooks}
        self._send_json(200, payload)

    def _subscribe(self, org):
        params = self._json_body(self._raw)
        check_webhook_params(params)
        hook = self.server.app.store.add_webhook(params, org)
        keys = ("webhookId", "signingKey", "createdAt")
        self._send_json(201, {key: hook[key] for key in keys})

    def _token(self, raw):
        token, ttl = self.server.app.issue_token(self.headers, raw)
        body = {"access_token": token, "token_type": "Bearer", "expires_in": ttl}
        self._send_json(200, body, {"Cache-Control": "no-store"})


class AfnorServer:
    """A Flow Service on 127.0.0.1, in a thread (tests) or as the demo platform.

    :param host: listening address; loopback only (127.0.0.1 by default).
    :param port: 0 for a free port.
    :param state_file: JSON file keeping flows across restarts, or None.
    :param step_seconds: seconds between lifecycle steps played by the clock;
        None to play them only through :meth:`advance`.
    :param clock: callable returning an aware ``datetime`` (tests freeze it).
    :param client_id: with ``client_secret``, enables ``/oauth/token`` and
        requires a bearer token on ``/v1``.
    :param token_ttl: lifetime in seconds of the tokens issued.
    :param max_file_size: largest file accepted (413 above).
    :param seller_siren: seller SIREN put in CDAR messages when the invoice
        does not tell it; same for ``buyer_siren``.
    :param hang_seconds: how long a "hang" failure keeps the client waiting.
    """

    def __init__(
        self,
        host="127.0.0.1",
        port=0,
        state_file=None,
        step_seconds=None,
        clock=None,
        client_id=None,
        client_secret=None,
        token_ttl=3600,
        max_file_size=MAX_FILE_SIZE,
        seller_siren="000000000",
        buyer_siren="000000001",
        hang_seconds=5.0,
    ):
        if not is_loopback_url(f"http://{host}/"):
            raise ValueError("The demo AFNOR server listens on loopback only.")
        self.host = host
        self.port = port
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        defaults = {"seller_siren": seller_siren, "buyer_siren": buyer_siren}
        self.store = FlowStore(self.clock, state_file, step_seconds, defaults)
        self.client_id = client_id
        self._client_secret = client_secret
        self.token_ttl = token_ttl
        self.max_file_size = max_file_size
        self.hang_seconds = hang_seconds
        self.requests = []
        self.deliveries = []
        self._tokens = {}
        self._failures = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = None
        self._thread = None

    # -- life ---------------------------------------------------------------

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def token_url(self):
        return f"{self.base_url}/oauth/token"

    def start(self):
        """Serve in a daemon thread; return the base URL (no ``/v1``)."""
        self._bind()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="afnor-server",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def _bind(self):
        self._stopping.clear()
        self._httpd = ThreadingHTTPServer((self.host, self.port), FlowRequestHandler)
        self._httpd.daemon_threads = True
        self._httpd.app = self
        self.port = self._httpd.server_address[1]

    def serve_forever(self):
        """Serve in the current thread until interrupted (CLI)."""
        self._bind()
        _logger.info("AFNOR demo platform on %s/v1", self.base_url)
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    def stop(self):
        """Stop serving and release the port (hanging requests end too)."""
        self._stopping.set()
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    # -- test controls ------------------------------------------------------

    def advance(self):
        """Move every invoice lifecycle one step; return the new LC flows."""
        created = self.store.advance()
        self.deliver_webhooks()
        return created

    def fail_next(self, kind, count=1, route="/v1/flows", retry_after=2):
        """Make the next ``count`` calls to ``route`` fail.

        :param kind: an HTTP status (400, 401, 403, 413, 422, 429, 500, 503)
            or ``"hang"`` (no answer for ``hang_seconds``, then 503).
        :param route: exact path, or ``"*"`` for every ``/v1`` route.
        :param retry_after: ``Retry-After`` seconds sent with a 429 or 503.
        """
        with self._lock:
            for _index in range(count):
                self._failures.append((kind, route, retry_after))

    def set_scenario(self, tracking_id, scenario, reason_code=None):
        """Play ``scenario`` for the next invoice with this trackingId.

        :param scenario: ``"accepted"`` (200 to 205), ``"rejected"`` (200 then
            213 by the platform) or ``"refused"`` (200 to 204 then 210 by the
            buyer).
        :param reason_code: reason of the 213/210 (BR-FR-CDV-CL-09 lists).
        """
        if scenario not in SCENARIOS:
            raise ValueError(f"Unknown scenario {scenario!r}")
        with self.store.lock:
            self.store.scenarios[tracking_id] = (scenario, reason_code)

    def requests_to(self, path, method=None):
        """Recorded requests for one path (and method)."""
        return [
            r
            for r in self.requests
            if r["path"] == path and (method is None or r["method"] == method)
        ]

    # -- request hooks (called by the handler) ------------------------------

    def record(self, method, split, headers, raw):
        """Keep a copy of the request for tests (no Authorization header)."""
        entry = {
            "method": method,
            "path": split.path,
            "query": parse_qs(split.query),
            "headers": {
                k: v for k, v in headers.items() if k.lower() != "authorization"
            },
            "json": None,
        }
        content_type = headers.get("Content-Type") or ""
        if content_type.startswith("application/json") and raw:
            try:
                entry["json"] = json.loads(raw)
            except ValueError:
                entry["json_error"] = "invalid JSON body"
        elif content_type.startswith("multipart/form-data"):
            entry.update(self._record_multipart(content_type, raw))
        with self._lock:
            self.requests.append(entry)

    @staticmethod
    def _record_multipart(content_type, raw):
        try:
            parts = parse_multipart(content_type, raw)
        except ApiError:
            return {}
        summary = {
            name: {"headers": headers, "size": len(payload), "sha256": None}
            for name, (headers, payload) in parts.items()
        }
        for name, (_headers, payload) in parts.items():
            summary[name]["sha256"] = hashlib.sha256(payload).hexdigest()
        flow_info = parts.get("flowInfo")
        try:
            parsed = json.loads(flow_info[1]) if flow_info else None
        except ValueError:
            parsed = None
        return {"json": parsed, "parts": summary}

    def authenticate(self, headers):
        """Check the bearer token when OAuth2 is configured."""
        if not self.client_id:
            return
        value = headers.get("Authorization") or ""
        if not value.startswith("Bearer "):
            raise ApiError(401, "A bearer token is required", code="MISSING_TOKEN")
        expiry = self._tokens.get(value[len("Bearer ") :])
        if expiry is None or expiry < time.monotonic():
            raise ApiError(401, "The bearer token is invalid or expired")

    def issue_token(self, headers, raw):
        """OAuth2 client credentials grant (Basic or form credentials)."""
        form = {k: v[0] for k, v in parse_qs(raw.decode("latin-1")).items()}
        if not self.client_id:
            raise ApiError(404, "OAuth2 is not enabled on this server")
        if form.get("grant_type") != "client_credentials":
            raise ApiError(400, "grant_type must be client_credentials")
        client_id, secret = self._credentials(headers, form)
        valid = hmac.compare_digest(str(client_id), self.client_id)
        valid &= hmac.compare_digest(str(secret), self._client_secret or "")
        if not valid:
            raise ApiError(401, "Invalid client credentials", code="invalid_client")
        token = secrets.token_urlsafe(32)
        self._tokens[token] = time.monotonic() + self.token_ttl
        return token, self.token_ttl

    @staticmethod
    def _credentials(headers, form):
        value = headers.get("Authorization") or ""
        if value.startswith("Basic "):
            try:
                decoded = base64.b64decode(value[len("Basic ") :]).decode()
            except ValueError:
                decoded = ":"
            client_id, _sep, secret = decoded.partition(":")
            return unquote(client_id), unquote(secret)
        return form.get("client_id", ""), form.get("client_secret", "")

    def revoke_tokens(self):
        """Invalidate every issued token (next call gets a 401)."""
        self._tokens.clear()

    def inject(self, path, method):
        """Apply the next planned failure matching this route, if any."""
        with self._lock:
            for index, (_kind, route, _retry) in enumerate(self._failures):
                if route in (path, "*") and path.startswith("/v1"):
                    kind, _route, retry_after = self._failures.pop(index)
                    break
            else:
                return
        if kind == "hang":
            self._stopping.wait(self.hang_seconds)
            kind = 503
        headers = {"Retry-After": str(retry_after)} if kind in (429, 503) else {}
        raise ApiError(
            kind, f"Injected failure {kind} on {method} {path}", None, headers
        )

    def check_file(self, info, content):
        """Size and checksum checks of a submitted file."""
        if len(content) > self.max_file_size:
            raise ApiError(
                413, f"The file exceeds {self.max_file_size} bytes", "FileSizeExceeded"
            )
        if not content:
            raise ApiError(422, "The file is empty", "EmptyFlow")
        sha = info.get("sha256")
        if sha and hashlib.sha256(content).hexdigest() != sha:
            raise ApiError(
                422,
                "The sha256 given in flowInfo does not match the file received",
                "ChecksumMismatch",
            )

    # -- webhooks -----------------------------------------------------------

    def deliver_webhooks(self):
        """POST changed flows to the matching webhooks (loopback URLs only)."""
        with self.store.lock:
            jobs = [
                (entry["hook"], dict(record["meta"]))
                for record in self._changed_records()
                for entry in self.store.webhooks.values()
                if entry["org"] == record["org"]
                and self._hook_matches(entry["hook"], record["meta"])
            ]
        for hook, meta in jobs:
            self._deliver(hook, meta)

    def _changed_records(self):
        flows = self.store.flows
        return [flows[fid] for fid in self.store.take_events() if fid in flows]

    @staticmethod
    def _hook_matches(hook, meta):
        if hook.get("flowTypes") and meta["flowType"] not in hook["flowTypes"]:
            return False
        direction = hook.get("flowDirection")
        if direction and meta["flowDirection"] != direction:
            return False
        ack = hook.get("ackStatus")
        return not ack or meta["acknowledgement"]["status"] == ack

    def _deliver(self, hook, meta):
        url = hook["callbackUrl"]
        delivery = {"webhookId": hook["webhookId"], "flowId": meta["flowId"]}
        delivery["url"] = url
        if not is_loopback_url(url):
            delivery["error"] = "skipped: the demo server only calls loopback URLs"
            self.deliveries.append(delivery)
            return
        body = json.dumps(meta).encode()
        stamp = int(self.clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            "Afnor-Signature": sign_callback(body, stamp, hook["signingKey"]),
            "Afnor-Signature-Timestamp": str(stamp),
        }
        request = urllib.request.Request(url, body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=3) as response:
                delivery["status"] = response.status
        except OSError as exc:
            delivery["error"] = str(exc)
        self.deliveries.append(delivery)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="loopback address")
    parser.add_argument("--port", type=int, default=8079)
    parser.add_argument("--state-file", help="JSON file keeping the flows")
    parser.add_argument(
        "--step-seconds",
        type=float,
        default=30.0,
        help="seconds between two lifecycle statuses (0: never by time)",
    )
    parser.add_argument("--client-id", help="enable OAuth2 with this client id")
    parser.add_argument(
        "--client-secret-env",
        default="AFNOR_DEMO_CLIENT_SECRET",
        help="environment variable holding the client secret",
    )
    parser.add_argument("--max-file-size", type=int, default=MAX_FILE_SIZE)
    parser.add_argument("--seller-siren", default="000000000")
    parser.add_argument("--buyer-siren", default="000000001")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv=None):
    """Run the demo platform until interrupted."""
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    secret = os.environ.get(args.client_secret_env) if args.client_id else None
    if args.client_id and not secret:
        raise SystemExit(f"Set the client secret in ${args.client_secret_env}.")
    server = AfnorServer(
        host=args.host,
        port=args.port,
        state_file=args.state_file,
        step_seconds=args.step_seconds or None,
        client_id=args.client_id,
        client_secret=secret,
        max_file_size=args.max_file_size,
        seller_siren=args.seller_siren,
        buyer_siren=args.buyer_siren,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        _logger.info("AFNOR demo platform stopped")


if __name__ == "__main__":
    main()
