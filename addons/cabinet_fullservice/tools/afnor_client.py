"""HTTP client of the AFNOR XP Z12-013 Flow Service API, version 1.3.0.

Pure Python (``requests``), used by the Odoo models; no Odoo import here.

Authentication is OAuth2 client credentials (the only grant the standard
allows) with the token cached until shortly before it expires, or none at all
for the built-in demo platform (``token_url=None``).

Every failure is raised as an :class:`AfnorError` whose ``retryable`` flag
tells the caller whether sending again later can succeed. Messages say what to
fix; they never contain the client secret or the bearer token.
"""

import base64
import hashlib
import hmac
import json
import logging
import time
import uuid
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import requests

_logger = logging.getLogger(__name__)

DOC_TYPES = ("Metadata", "Original", "Converted", "ReadableView")
MAX_SEARCH_LIMIT = 100
# Renew the token this many seconds before the platform says it expires.
TOKEN_MARGIN = 30
SUMMARY_LENGTH = 300


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class AfnorError(Exception):
    """Any failure talking to an AFNOR platform.

    :param message: what happened and what to do, for the user.
    :param status: HTTP status of the platform's answer, if any.
    :param retryable: True when sending the same request later may succeed.
    :param details: parsed error body of the platform (dict) or text.
    """

    def __init__(self, message, status=None, retryable=False, details=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable
        self.details = details


class AfnorPermanentError(AfnorError):
    """The platform refused the request: sending it again as is cannot work."""

    def __init__(self, message, status=None, details=None):
        super().__init__(message, status=status, retryable=False, details=details)


class AfnorAuthError(AfnorPermanentError):
    """Credentials or rights refused (401, 403, token endpoint)."""


class AfnorNotFoundError(AfnorPermanentError):
    """The flow or webhook asked for does not exist on the platform (404)."""


class AfnorTransientError(AfnorError):
    """Temporary failure (throttling, outage, network): retry later.

    :param retry_after: seconds the platform asked to wait, when it said so.
    """

    def __init__(self, message, status=None, details=None, retry_after=None):
        super().__init__(message, status=status, retryable=True, details=details)
        self.retry_after = retry_after


class AfnorRateLimitError(AfnorTransientError):
    """The platform throttles the account (429)."""


# What to fix, per HTTP status of a permanent error.
_PERMANENT_HINTS = {
    400: "The platform rejected the request as malformed. Check the flow "
    "information (name, syntax, processing rule, profile) and the search "
    "criteria.",
    401: "The platform refused the authentication. Check the client id and "
    "secret of the platform account, and the token URL.",
    403: "The platform account is not allowed to do this. Check that the "
    "account may act for this organisation (Organization-Id) and has the "
    "rights on flows and webhooks.",
    404: "The platform does not know this resource. Check the flow or "
    "webhook identifier.",
    413: "The file is too large for the platform (at most 100 MB). Reduce "
    "the size of the PDF (images, attachments) and send it again.",
    422: "The platform could not process the flow. Fix the invoice file or "
    "its flow information (checksum, format) and send it again.",
}
_TRANSIENT_HINTS = {
    429: "The platform is throttling requests.",
    500: "The platform had an internal error.",
    502: "The platform gateway failed.",
    503: "The platform is unavailable.",
    504: "The platform gateway timed out.",
}


def _summarise_body(response):
    """Return (summary text, parsed details) of an error answer."""
    try:
        body = response.json()
    except ValueError:
        text = (response.text or "").strip()
        return text[:SUMMARY_LENGTH], text or None
    if not isinstance(body, dict):
        return str(body)[:SUMMARY_LENGTH], body
    parts = [body.get("errorCode"), body.get("errorMessage"), body.get("details")]
    parts += [body.get("error"), body.get("error_description")]
    summary = " - ".join(str(part) for part in parts if part)
    return summary[:SUMMARY_LENGTH], body


def _parse_retry_after(value):
    """Seconds to wait from a Retry-After header (delta-seconds or date)."""
    if not value:
        return None
    if value.strip().replace(".", "", 1).isdigit():
        return max(0.0, float(value))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


# ---------------------------------------------------------------------------
# Webhook signature
# ---------------------------------------------------------------------------


def _signing_key_variants(signing_key):
    """The key as given and, when it is base64 (OpenAPI ``format: byte``),
    decoded."""
    raw = signing_key.encode() if isinstance(signing_key, str) else signing_key
    try:
        return [base64.b64decode(raw, validate=True), raw]
    except ValueError:
        # Not base64: the key is used as given.
        return [raw]


def compute_webhook_signature(body_bytes, timestamp, signing_key):
    """Sign a webhook callback the way this module verifies it.

    Flow Service 1.3.0 (``createWebhook``) describes it: a SHA-256 fingerprint
    of ``payload + "@" + epoch seconds``, then an HMAC-SHA-256 of the
    fingerprint with the signing key, base64 encoded. It does not say whether
    the fingerprint is hashed as hex text or raw bytes, nor whether the key is
    used base64-decoded; this function uses the hex fingerprint and the
    decoded key (the key is published as ``format: byte``, i.e. base64).

    :return: base64 signature (str).
    """
    fingerprint = hashlib.sha256(body_bytes + b"@" + str(int(timestamp)).encode())
    key = _signing_key_variants(signing_key)[0]
    digest = hmac.new(key, fingerprint.hexdigest().encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def verify_webhook_signature(
    body_bytes, signature_b64, timestamp, signing_key, now=None, tolerance=300
):
    """Check the ``Afnor-Signature`` of a webhook callback.

    Signed string: the spec (``createWebhook`` in Flow Service 1.3.0) says the
    HMAC-SHA-256 is computed over a SHA-256 fingerprint of the raw JSON body,
    a ``@`` separator and the epoch seconds of ``Afnor-Signature-Timestamp``.
    It leaves open how the fingerprint is fed to the HMAC (hex or raw digest)
    and whether the base64 signing key is decoded first, so all four readings
    are accepted: each needs the secret key, so none weakens the check.

    The comparison is constant time; a timestamp more than ``tolerance``
    seconds away from ``now`` is refused (replay protection). After a valid
    signature, re-read the flow through the API rather than trusting the body.

    :param body_bytes: raw request body, as received.
    :param signature_b64: value of the ``Afnor-Signature`` header.
    :param timestamp: value of ``Afnor-Signature-Timestamp`` (epoch seconds).
    :param signing_key: ``signingKey`` returned at subscription.
    :param now: epoch seconds to compare with (tests), current time otherwise.
    :return: True when the signature is valid and fresh.
    """
    try:
        stamp = int(str(timestamp).strip())
        expected = base64.b64decode(signature_b64 or "", validate=True)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if not expected or abs(current - stamp) > tolerance:
        return False
    fingerprint = hashlib.sha256(body_bytes + b"@" + str(stamp).encode())
    messages = (fingerprint.hexdigest().encode(), fingerprint.digest())
    valid = False
    for key in _signing_key_variants(signing_key):
        for message in messages:
            digest = hmac.new(key, message, hashlib.sha256).digest()
            # No early exit: the time taken does not depend on which matched.
            valid |= hmac.compare_digest(digest, expected)
    return valid


# ---------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------


class AfnorFlowClient:
    """Client of one AFNOR Flow Service endpoint for one platform account.

    :param base_url: service URL without ``/v1`` (e.g.
        ``https://api.flow.example.com/flow-service``).
    :param token_url: OAuth2 token URL; None for a platform without auth.
    :param client_id: OAuth2 client id.
    :param client_secret: OAuth2 client secret (never logged).
    :param organization_id: sent as ``Organization-Id`` (the client company
        the firm acts for), when set.
    :param timeout: seconds for connect and read.
    :param session: a ``requests.Session`` to reuse (tests, pooling).
    :param token_auth: ``"basic"`` (credentials in HTTP Basic, RFC 6749
        preferred) or ``"form"`` (in the form body).
    """

    def __init__(
        self,
        base_url,
        token_url=None,
        client_id=None,
        client_secret=None,
        organization_id=None,
        timeout=20,
        session=None,
        token_auth="basic",
    ):
        self.base_url = base_url.rstrip("/")
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.organization_id = organization_id
        self.timeout = timeout
        self.session = session or requests.Session()
        self.token_auth = token_auth
        self._token = None
        self._token_expiry = 0.0

    def __repr__(self):
        return f"<AfnorFlowClient {self.base_url} client_id={self.client_id!r}>"

    # -- authentication -----------------------------------------------------

    def _fetch_token(self):
        """Ask the token endpoint for a new access token."""
        if not (self.client_id and self._client_secret):
            raise AfnorAuthError(
                "The platform needs OAuth2 credentials: set the client id and "
                "secret of the platform account."
            )
        data = {"grant_type": "client_credentials"}
        auth = None
        if self.token_auth == "form":
            data.update(client_id=self.client_id, client_secret=self._client_secret)
        else:
            auth = (self.client_id, self._client_secret)
        response = self._send("POST", self.token_url, data=data, auth=auth)
        if response.status_code != 200:
            self._raise_token_error(response)
        return self._read_token(response)

    def _raise_token_error(self, response):
        summary, details = _summarise_body(response)
        status = response.status_code
        if status >= 500 or status == 429:
            raise AfnorTransientError(
                f"The platform token endpoint is unavailable ({status}): "
                f"{self._redact(summary)}. It will be retried.",
                status=status,
                retry_after=_parse_retry_after(response.headers.get("Retry-After")),
            )
        raise AfnorAuthError(
            f"The platform refused the token request ({status}): "
            f"{self._redact(summary)}. Check the client id and secret of the "
            "platform account, and the token URL.",
            status=status,
            details=self._redact_details(details),
        )

    def _read_token(self, response):
        try:
            payload = response.json()
            token = payload["access_token"]
        except (ValueError, KeyError, TypeError) as exc:
            raise AfnorAuthError(
                "The platform token endpoint answered without an access token. "
                "Check the token URL of the platform account.",
                status=response.status_code,
            ) from exc
        expires_in = float(payload.get("expires_in") or 300)
        self._token_expiry = time.monotonic() + max(0.0, expires_in - TOKEN_MARGIN)
        self._token = token
        _logger.debug("AFNOR token obtained, valid %.0f s", expires_in)
        return token

    def _get_token(self):
        if self._token and time.monotonic() < self._token_expiry:
            return self._token
        return self._fetch_token()

    def invalidate_token(self):
        """Forget the cached token (the next call asks for a new one)."""
        self._token = None
        self._token_expiry = 0.0

    # -- transport ----------------------------------------------------------

    def _redact(self, text):
        """Remove the secret and the token from a text meant for humans."""
        text = str(text or "")
        for secret in (self._client_secret, self._token):
            if secret:
                text = text.replace(secret, "***")
        return text

    def _redact_details(self, details):
        if details is None:
            return None
        return json.loads(self._redact(json.dumps(details)))

    def _send(self, method, url, **kwargs):
        """Send one HTTP request; network failures become transient errors."""
        try:
            return self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise AfnorTransientError(
                f"The platform did not answer within {self.timeout} s "
                f"({method} {self._path_of(url)}). It will be retried; if it "
                "lasts, check the platform status."
            ) from exc
        except requests.ConnectionError as exc:
            raise AfnorTransientError(
                f"Could not connect to the platform at {self.base_url} "
                f"({type(exc).__name__}). Check the platform URL and the "
                "network; it will be retried."
            ) from exc
        except requests.RequestException as exc:
            raise AfnorError(
                f"The request to the platform failed ({type(exc).__name__}). "
                "Check the platform URL."
            ) from exc

    def _path_of(self, url):
        return url.removeprefix(self.base_url)

    def _headers(self):
        headers = {"Request-Id": str(uuid.uuid4()), "Accept": "application/json"}
        if self.organization_id:
            headers["Organization-Id"] = str(self.organization_id)
        if self.token_url:
            headers["Authorization"] = f"Bearer {self._get_token()}"
        return headers

    def _request(self, method, path, **kwargs):
        """Call the API; refresh the token once on 401; raise on errors."""
        url = self.base_url + path
        headers = self._headers()
        _logger.debug("AFNOR %s %s request-id=%s", method, path, headers["Request-Id"])
        response = self._send(method, url, headers=headers, **kwargs)
        if response.status_code == 401 and self.token_url and self._token:
            # The platform may revoke a token before its announced expiry.
            self.invalidate_token()
            headers = self._headers()
            response = self._send(method, url, headers=headers, **kwargs)
        _logger.debug("AFNOR %s %s -> %s", method, path, response.status_code)
        if response.status_code >= 400:
            self._raise_for_status(method, path, response)
        return response

    def _raise_for_status(self, method, path, response):
        status = response.status_code
        summary, details = _summarise_body(response)
        summary = self._redact(summary) or "no details"
        details = self._redact_details(details)
        prefix = f"{method} {path} failed ({status}: {summary})."
        if status in _TRANSIENT_HINTS or status >= 500 or status == 408:
            self._raise_transient(prefix, status, details, response)
        hint = _PERMANENT_HINTS.get(status, "Check the request sent to the platform.")
        error_class = AfnorPermanentError
        if status in (401, 403):
            error_class = AfnorAuthError
        elif status == 404:
            error_class = AfnorNotFoundError
        raise error_class(f"{prefix} {hint}", status=status, details=details)

    def _raise_transient(self, prefix, status, details, response):
        retry_after = _parse_retry_after(response.headers.get("Retry-After"))
        hint = _TRANSIENT_HINTS.get(status, "The platform failed.")
        when = f"in {retry_after:.0f} s" if retry_after is not None else "later"
        error_class = AfnorRateLimitError if status == 429 else AfnorTransientError
        raise error_class(
            f"{prefix} {hint} It will be retried {when}.",
            status=status,
            details=details,
            retry_after=retry_after,
        )

    @staticmethod
    def _json(response):
        try:
            return response.json()
        except ValueError as exc:
            raise AfnorTransientError(
                f"The platform answered {response.status_code} with a body that "
                "is not JSON. It will be retried; if it lasts, check the "
                "platform URL.",
                status=response.status_code,
            ) from exc

    # -- flows --------------------------------------------------------------

    @staticmethod
    def _file_content_type(filename):
        lower = filename.lower()
        if lower.endswith(".pdf"):
            return "application/pdf"
        if lower.endswith(".xml"):
            return "application/xml"
        return "application/octet-stream"

    def submit_flow(
        self,
        filename,
        content_bytes,
        flow_syntax,
        tracking_id,
        processing_rule=None,
        flow_profile=None,
    ):
        """Submit one flow (invoice, lifecycle message, e-reporting).

        :param filename: file name sent as ``flowInfo.name`` (max 255).
        :param content_bytes: the file (PDF or XML, at most 100 MB).
        :param flow_syntax: ``CII``, ``UBL``, ``Factur-X``, ``CDAR`` or ``FRR``.
        :param tracking_id: our identifier of the flow (max 64 characters).
        :param processing_rule: e.g. ``B2B``; computed by the platform if None.
        :param flow_profile: ``Basic``, ``CIUS``, ``Extended-CTC-FR``...
        :return: the Flow dict answered (202), with ``flowId``.
        """
        flow_info = {
            "name": filename,
            "flowSyntax": flow_syntax,
            "trackingId": tracking_id,
            "processingRule": processing_rule,
            "flowProfile": flow_profile,
            "sha256": hashlib.sha256(content_bytes).hexdigest(),
        }
        flow_info = {key: value for key, value in flow_info.items() if value}
        files = {
            "flowInfo": (None, json.dumps(flow_info), "application/json"),
            "file": (filename, content_bytes, self._file_content_type(filename)),
        }
        _logger.debug(
            "AFNOR submit %s syntax=%s tracking=%s size=%d sha256=%s",
            filename,
            flow_syntax,
            tracking_id,
            len(content_bytes),
            flow_info["sha256"],
        )
        return self._json(self._request("POST", "/v1/flows", files=files))

    def search_flows(self, where, limit=MAX_SEARCH_LIMIT):
        """Yield every flow matching ``where``, page after page.

        :param where: SearchFlowFilters dict, e.g. ``{"updatedAfter": ...,
            "flowType": ["CustomerInvoiceLC"]}``; at least one criterion.
        :param limit: page size, 1 to 100.
        """
        if not 1 <= int(limit) <= MAX_SEARCH_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_SEARCH_LIMIT}")
        body = {"limit": int(limit), "where": where}
        seen_cursors = set()
        while True:
            page = self._json(self._request("POST", "/v1/flows/search", json=body))
            results = page.get("results") or []
            _logger.debug("AFNOR search page: %d flows", len(results))
            yield from results
            cursor = page.get("nextCursor")
            if not cursor:
                return
            if cursor in seen_cursors:
                raise AfnorTransientError(
                    "The platform returned the same search cursor twice; the "
                    "search stopped to avoid looping. It will be retried."
                )
            seen_cursors.add(cursor)
            body["cursor"] = cursor

    def get_flow(self, flow_id, doc_type="Metadata"):
        """Read a flow: its metadata (dict) or a document of it (bytes).

        :param doc_type: ``Metadata``, ``Original``, ``Converted`` or
            ``ReadableView``.
        """
        if doc_type not in DOC_TYPES:
            raise ValueError(f"doc_type must be one of {', '.join(DOC_TYPES)}")
        path = f"/v1/flows/{quote(str(flow_id), safe='')}"
        response = self._request("GET", path, params={"docType": doc_type})
        if doc_type == "Metadata":
            return self._json(response)
        return response.content

    # -- webhooks -----------------------------------------------------------

    def list_webhooks(self):
        """Return the webhooks of the account (list of dicts)."""
        payload = self._json(self._request("GET", "/v1/webhooks"))
        return payload.get("webhooks") or []

    def subscribe_webhook(
        self, callback_url, flow_types=None, flow_direction=None, ack_status=None
    ):
        """Subscribe a callback URL to flow events.

        :return: dict with ``webhookId``, ``signingKey`` (keep it secret: it
            verifies the callbacks) and ``createdAt``.
        """
        body = {"callbackUrl": callback_url}
        if flow_types:
            body["flowTypes"] = list(flow_types)
        if flow_direction:
            body["flowDirection"] = flow_direction
        if ack_status:
            body["ackStatus"] = ack_status
        return self._json(self._request("POST", "/v1/webhooks", json=body))

    def delete_webhook(self, uid):
        """Unsubscribe a webhook by its id."""
        self._request("DELETE", f"/v1/webhooks/{quote(str(uid), safe='')}")

    def healthcheck(self):
        """Return True when the platform answers its healthcheck (else raise)."""
        self._request("GET", "/v1/healthcheck")
        return True
