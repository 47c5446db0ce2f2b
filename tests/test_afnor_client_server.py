"""Tests of the AFNOR Flow Service client against the local server.

Plain pytest, no Odoo. Every response the client receives from ``/v1`` is
checked against the OpenAPI file (declared status, JSON schema), and the
requests recorded by the server are checked too (tests/openapi_check.py).
"""

import base64
import hashlib
import hmac
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "addons" / "cabinet_fullservice" / "tools"
SHARED = Path(
    os.environ.get("CABINET_SHARED_DIR")
    or Path(__file__).resolve().parents[2] / "shared"
)
SPEC = SHARED / "afnor" / "flow-service-1.3.0.json"
XSD = SHARED / "afnor" / "cdar" / "xsd"

sys.path.insert(0, str(TOOLS))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import afnor_client
import afnor_server
import cdar
from afnor_client import (
    AfnorAuthError,
    AfnorFlowClient,
    AfnorNotFoundError,
    AfnorPermanentError,
    AfnorRateLimitError,
    AfnorTransientError,
)
from openapi_check import OpenApiChecker

CLIENT_ID = "cabinet-demo"
SECRET = "s3cr3t-Th4t-Must-Never-Leak"
ORG = "ORG-123456782"
SELLER_SIRET = "12345678200017"

CII_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice
  xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocument>
    <ram:ID>{number}</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime>
      <udt:DateTimeString format="102">20260915</udt:DateTimeString>
    </ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:SpecifiedLegalOrganization>
          <ram:ID schemeID="0009">{seller}</ram:ID>
        </ram:SpecifiedLegalOrganization>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:SpecifiedLegalOrganization>
          <ram:ID schemeID="0002">987654321</ram:ID>
        </ram:SpecifiedLegalOrganization>
      </ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""


def cii(number):
    return CII_TEMPLATE.format(number=number, seller=SELLER_SIRET).encode()


class FakeClock:
    """A settable clock for the server (aware datetimes)."""

    def __init__(self):
        self.now = datetime(2026, 9, 15, 8, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now

    def tick(self, seconds):
        self.now += timedelta(seconds=seconds)


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def checker():
    if not SPEC.exists():
        pytest.skip(f"shared reference material not found in {SHARED}")
    return OpenApiChecker(SPEC)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def make_server(clock):
    """Factory of started servers, stopped at teardown."""
    started = []

    def make(**kwargs):
        kwargs.setdefault("clock", clock)
        server = afnor_server.AfnorServer(**kwargs)
        server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def server(make_server):
    """Server with OAuth2 client credentials enabled."""
    return make_server(client_id=CLIENT_ID, client_secret=SECRET, hang_seconds=3)


@pytest.fixture
def spec_violations(checker):
    """Session hook recording responses of /v1 that break the OpenAPI file."""
    violations = []

    def hook(response, *args, **kwargs):
        path = requests.utils.urlparse(response.url).path
        if not path.startswith("/v1"):
            return
        try:
            body = response.json()
        except ValueError:
            body = None
        method = response.request.method
        for error in checker.response_errors(method, path, response.status_code, body):
            violations.append(f"{method} {path} {response.status_code}: {error}")

    yield violations, hook
    assert violations == []


@pytest.fixture
def make_client(spec_violations):
    def make(server, **kwargs):
        session = requests.Session()
        session.hooks["response"].append(spec_violations[1])
        if server.client_id and "token_url" not in kwargs:
            kwargs.update(
                token_url=server.token_url, client_id=CLIENT_ID, client_secret=SECRET
            )
        kwargs.setdefault("organization_id", ORG)
        return AfnorFlowClient(server.base_url, session=session, **kwargs)

    return make


@pytest.fixture
def client(server, make_client):
    return make_client(server)


def assert_requests_conform(server, checker):
    errors = [
        (entry["method"], entry["path"], error)
        for entry in server.requests
        if entry["path"].startswith("/v1")
        for error in checker.request_errors(entry)
    ]
    assert errors == []


def lc_flows(client):
    return list(client.search_flows({"flowType": ["CustomerInvoiceLC"]}))


def status_of(client, flow):
    xml = client.get_flow(flow["flowId"], doc_type="Original")
    return cdar.parse_status_message(xml)


# ---------------------------------------------------------------------------
# Submission
# ---------------------------------------------------------------------------


def test_submit_sends_multipart_flow_info_file_and_headers(server, client, checker):
    content = b"%PDF-1.7 fake factur-x"

    flow = client.submit_flow(
        "FA-2026-0001.pdf", content, "Factur-X", "T-0001", "B2B", "Extended-CTC-FR"
    )

    entry = server.requests_to("/v1/flows", "POST")[0]
    digest = hashlib.sha256(content).hexdigest()
    assert entry["json"] == {
        "name": "FA-2026-0001.pdf",
        "flowSyntax": "Factur-X",
        "trackingId": "T-0001",
        "processingRule": "B2B",
        "flowProfile": "Extended-CTC-FR",
        "sha256": digest,
    }
    parts = entry["parts"]
    assert parts["flowInfo"]["headers"]["content-type"] == "application/json"
    assert parts["file"]["headers"]["content-type"] == "application/pdf"
    assert (
        'filename="FA-2026-0001.pdf"' in parts["file"]["headers"]["content-disposition"]
    )
    assert (parts["file"]["size"], parts["file"]["sha256"]) == (len(content), digest)
    assert entry["headers"]["Organization-Id"] == ORG
    assert uuid.UUID(entry["headers"]["Request-Id"]).version == 4
    assert "Authorization" not in entry["headers"]
    assert flow["flowId"] and flow["sha256"] == digest
    assert flow["acknowledgement"] == {"status": "Pending"}
    assert (flow["flowType"], flow["flowDirection"]) == ("CustomerInvoice", "Out")
    assert (flow["processingRule"], flow["processingRuleSource"]) == ("B2B", "Input")
    assert (
        flow["submittedAt"] == flow["updatedAt"] == "2026-09-15T08:00:00.000000+00:00"
    )
    assert_requests_conform(server, checker)


def test_each_call_has_a_fresh_request_id_and_no_org_header_when_unset(
    server, make_client
):
    client = make_client(server, organization_id=None)
    client.healthcheck()
    client.healthcheck()
    ids = [r["headers"]["Request-Id"] for r in server.requests_to("/v1/healthcheck")]
    assert len(set(ids)) == 2
    assert all("Organization-Id" not in r["headers"] for r in server.requests)


def test_token_is_cached_and_renewed_after_revocation(server, client):
    client.healthcheck()
    client.list_webhooks()
    assert len(server.requests_to("/oauth/token")) == 1

    server.revoke_tokens()
    assert client.list_webhooks() == []

    assert len(server.requests_to("/oauth/token")) == 2


def test_token_requested_with_form_credentials(server, make_client):
    client = make_client(server, token_auth="form")
    assert client.healthcheck() is True
    assert len(server.requests_to("/oauth/token")) == 1


def test_demo_platform_without_auth_sends_no_token(make_server, make_client):
    server = make_server()
    client = make_client(server)
    client.submit_flow("a.xml", cii("FA-1"), "CII", "T-1")
    assert server.requests_to("/oauth/token") == []


def test_missing_bearer_is_refused_by_server(server):
    response = requests.get(f"{server.base_url}/v1/webhooks", timeout=5)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "MISSING_TOKEN"
    # The spec declares no 401 on the healthcheck: it answers without a token.
    health = requests.get(f"{server.base_url}/v1/healthcheck", timeout=5)
    assert health.status_code == 200


# ---------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------


def test_search_follows_next_cursor_over_several_pages(make_server, make_client):
    server = make_server()
    client = make_client(server)
    submitted = [
        client.submit_flow(f"F{i}.xml", cii(f"FA-{i}"), "CII", f"T-{i}")["flowId"]
        for i in range(7)
    ]

    found = list(client.search_flows({"flowType": ["CustomerInvoice"]}, limit=3))

    assert [flow["flowId"] for flow in found] == submitted
    bodies = [r["json"] for r in server.requests_to("/v1/flows/search")]
    assert len(bodies) == 3
    assert [b["limit"] for b in bodies] == [3, 3, 3]
    assert "cursor" not in bodies[0]
    assert bodies[1]["cursor"] != bodies[2]["cursor"]


def test_search_last_page_has_no_next_cursor(make_server, make_client, checker):
    server = make_server()
    client = make_client(server)
    for i in range(3):
        client.submit_flow(f"F{i}.xml", cii(f"FA-{i}"), "CII", f"T-{i}")
    url = f"{server.base_url}/v1/flows/search"
    headers = {"Organization-Id": ORG}
    body = {"limit": 2, "where": {"flowDirection": ["Out"]}}

    first = requests.post(url, json=body, headers=headers, timeout=5).json()
    body["cursor"] = first["nextCursor"]
    last = requests.post(url, json=body, headers=headers, timeout=5).json()

    assert len(first["results"]) == 2 and first["nextCursor"]
    assert len(last["results"]) == 1 and "nextCursor" not in last
    assert checker.errors(last, "SearchFlowContent") == []


def test_search_updated_after_is_strict(make_server, make_client, clock):
    server = make_server()
    client = make_client(server)
    flow = client.submit_flow("F.xml", cii("FA-1"), "CII", "T-1")
    stamp = datetime.fromisoformat(flow["updatedAt"])

    same = list(client.search_flows({"updatedAfter": flow["updatedAt"]}))
    before = (stamp - timedelta(microseconds=1)).isoformat()
    earlier = list(client.search_flows({"updatedAfter": before}))

    assert same == []
    assert [f["flowId"] for f in earlier] == [flow["flowId"]]


def test_search_filters_by_tracking_id_and_ack_status(make_server, make_client):
    server = make_server()
    client = make_client(server)
    client.submit_flow("A.xml", cii("FA-A"), "CII", "T-A")
    flow_b = client.submit_flow("B.xml", cii("FA-B"), "CII", "T-B")

    by_tracking = list(client.search_flows({"trackingId": "T-B"}))
    pending = list(client.search_flows({"ackStatus": "Pending"}))
    server.advance()
    ok_invoices = list(
        client.search_flows({"ackStatus": "Ok", "flowType": ["CustomerInvoice"]})
    )

    assert [f["flowId"] for f in by_tracking] == [flow_b["flowId"]]
    assert len(pending) == 2
    assert len(ok_invoices) == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"limit": 101, "where": {"flowDirection": ["In"]}}, "between 1 and 100"),
        ({"where": {}}, "at least one criterion"),
        ({"where": {"flowType": ["Invoice"]}}, "flowType must be one of"),
        ({"where": {"updatedAfter": "yesterday"}}, "not a date-time"),
        ({"where": {"trackingId": "x" * 65}}, "longer than 64"),
        ({"limit": 5}, "where is required"),
        ({"where": {"ackStatus": "Ok"}, "cursor": "garbage"}, "cursor is not valid"),
    ],
)
def test_search_request_validation(make_server, body, message):
    server = make_server()
    response = requests.post(f"{server.base_url}/v1/flows/search", json=body, timeout=5)
    assert response.status_code == 400
    assert message in response.json()["errorMessage"]


def test_client_refuses_a_limit_above_100(client):
    with pytest.raises(ValueError, match="between 1 and 100"):
        next(client.search_flows({"ackStatus": "Ok"}, limit=101))


def test_search_error_is_permanent_with_platform_message(client):
    with pytest.raises(AfnorPermanentError) as info:
        list(client.search_flows({}))
    error = info.value
    assert (error.status, error.retryable) == (400, False)
    assert "where must hold at least one criterion" in str(error)
    assert "Check the flow information" in str(error)
    assert error.details["errorCode"] == "MISSING_REQUIRED_FIELD"


# ---------------------------------------------------------------------------
# Get flow
# ---------------------------------------------------------------------------


def test_get_flow_metadata_and_original(server, client):
    content = cii("FA-2026-0007")
    flow = client.submit_flow("FA-2026-0007.xml", content, "CII", "T-7")

    metadata = client.get_flow(flow["flowId"])
    original = client.get_flow(flow["flowId"], doc_type="Original")

    assert metadata == flow
    assert original == content
    entry = server.requests_to(f"/v1/flows/{flow['flowId']}")[-1]
    assert entry["query"] == {"docType": ["Original"]}


def test_get_flow_original_has_content_disposition(make_server, make_client):
    server = make_server()
    flow = make_client(server).submit_flow("FA-9.xml", cii("FA-9"), "CII", "T-9")
    response = requests.get(
        f"{server.base_url}/v1/flows/{flow['flowId']}",
        params={"docType": "Original"},
        headers={"Organization-Id": ORG},
        timeout=5,
    )
    assert response.headers["Content-Disposition"] == 'attachment;filename="FA-9.xml"'
    assert response.headers["Content-Type"] == "application/xml"


def test_get_unknown_flow_or_document_is_not_found(client):
    flow = client.submit_flow("FA-1.xml", cii("FA-1"), "CII", "T-1")
    with pytest.raises(AfnorNotFoundError) as info:
        client.get_flow("0b5e8d64-5d7e-4a53-9b0b-9d1c1c0e0e0e")
    assert info.value.status == 404
    assert "Check the flow or webhook identifier" in str(info.value)
    with pytest.raises(AfnorNotFoundError, match="No Converted document"):
        client.get_flow(flow["flowId"], doc_type="Converted")
    with pytest.raises(ValueError, match="doc_type"):
        client.get_flow(flow["flowId"], doc_type="Pdf")


def test_flows_are_scoped_by_organization(server, make_client):
    flow = make_client(server).submit_flow("FA-1.xml", cii("FA-1"), "CII", "T-1")
    other = make_client(server, organization_id="ORG-OTHER")
    with pytest.raises(AfnorNotFoundError):
        other.get_flow(flow["flowId"])
    assert list(other.search_flows({"trackingId": "T-1"})) == []


# ---------------------------------------------------------------------------
# Webhooks
# ---------------------------------------------------------------------------


def test_webhook_subscribe_list_delete(server, client, checker):
    hook = client.subscribe_webhook(
        "http://127.0.0.1:9/afnor/callback",
        flow_types=["CustomerInvoiceLC"],
        flow_direction="In",
        ack_status="Ok",
    )

    assert uuid.UUID(hook["webhookId"])
    assert len(base64.b64decode(hook["signingKey"])) == 32
    assert server.requests_to("/v1/webhooks", "POST")[0]["json"] == {
        "callbackUrl": "http://127.0.0.1:9/afnor/callback",
        "flowTypes": ["CustomerInvoiceLC"],
        "flowDirection": "In",
        "ackStatus": "Ok",
    }
    listed = client.list_webhooks()
    assert [w["webhookId"] for w in listed] == [hook["webhookId"]]
    assert listed[0]["flowTypes"] == ["CustomerInvoiceLC"]
    assert "signingKey" not in listed[0]

    client.delete_webhook(hook["webhookId"])
    assert client.list_webhooks() == []
    with pytest.raises(AfnorNotFoundError):
        client.delete_webhook(hook["webhookId"])
    assert_requests_conform(server, checker)


def test_webhook_subscription_is_validated(client):
    with pytest.raises(AfnorPermanentError, match="callbackUrl is required"):
        client.subscribe_webhook("not a url")
    with pytest.raises(AfnorPermanentError, match="flowTypes must be one of"):
        client.subscribe_webhook("http://127.0.0.1:9/cb", flow_types=["Invoice"])


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    httpd.received = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_webhook_callback_signature_verifies(server, client, receiver, clock):
    url = f"http://127.0.0.1:{receiver.server_address[1]}/cb"
    hook = client.subscribe_webhook(url, flow_types=["CustomerInvoiceLC"])
    client.submit_flow("FA-1.xml", cii("FA-1"), "CII", "T-1")

    server.advance()

    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert json.loads(body)["flowType"] == "CustomerInvoiceLC"
    signature = headers["Afnor-Signature"]
    stamp = headers["Afnor-Signature-Timestamp"]
    assert int(stamp) == int(clock.now.timestamp())
    key = hook["signingKey"]
    now = int(stamp) + 10
    verify = afnor_client.verify_webhook_signature
    assert verify(body, signature, stamp, key, now=now)
    assert not verify(body.replace(b"In", b"Out"), signature, stamp, key, now=now)
    assert not verify(body, signature, str(int(stamp) + 1), key, now=now)
    assert not verify(body, signature, stamp, key, now=int(stamp) + 301)
    assert not verify(body, signature, stamp, key, now=int(stamp) - 301)
    other_key = base64.b64encode(b"k" * 32).decode()
    assert not verify(body, signature, stamp, other_key, now=now)
    assert not verify(body, "%%not-base64%%", stamp, key, now=now)
    assert not verify(body, signature, "not-a-number", key, now=now)


def test_signature_follows_the_spec_fingerprint():
    """HMAC-SHA-256 over SHA-256(body + "@" + timestamp), base64 (createWebhook)."""
    key_bytes = bytes(range(32))
    key = base64.b64encode(key_bytes).decode()
    body, stamp = b'{"flowId": "f1"}', 1790000000
    fingerprint = hashlib.sha256(b'{"flowId": "f1"}@1790000000')
    expected_hex = hmac.new(key_bytes, fingerprint.hexdigest().encode(), "sha256")
    expected_raw = hmac.new(key_bytes, fingerprint.digest(), "sha256")

    signature = afnor_client.compute_webhook_signature(body, stamp, key)

    assert signature == base64.b64encode(expected_hex.digest()).decode()
    assert signature == afnor_server.sign_callback(body, stamp, key)
    raw_variant = base64.b64encode(expected_raw.digest()).decode()
    for variant in (signature, raw_variant):
        assert afnor_client.verify_webhook_signature(
            body, variant, stamp, key, now=stamp
        )


def test_webhooks_are_only_called_on_loopback(server, client):
    client.subscribe_webhook("https://example.invalid/cb")
    client.submit_flow("FA-1.xml", cii("FA-1"), "CII", "T-1")
    assert server.deliveries[0]["error"].startswith("skipped")


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def _submit(client, **overrides):
    kwargs = {
        "filename": "FA-1.xml",
        "content_bytes": cii("FA-1"),
        "flow_syntax": "CII",
        "tracking_id": "T-1",
    }
    kwargs.update(overrides)
    return client.submit_flow(**kwargs)


@pytest.mark.parametrize(
    ("status", "error_class", "hint"),
    [
        (401, AfnorAuthError, "Check the client id and secret"),
        (403, AfnorAuthError, "may act for this organisation"),
        (422, AfnorPermanentError, "Fix the invoice file"),
    ],
)
def test_permanent_errors(make_server, make_client, status, error_class, hint):
    server = make_server()
    server.fail_next(status)
    with pytest.raises(error_class) as info:
        _submit(make_client(server))
    error = info.value
    assert (error.status, error.retryable) == (status, False)
    assert hint in str(error)
    assert f"Injected failure {status} on POST /v1/flows" in str(error)
    assert list(make_client(server).search_flows({"trackingId": "T-1"})) == []


def test_bad_request_names_the_wrong_field(client):
    with pytest.raises(AfnorPermanentError) as info:
        _submit(client, flow_syntax="PDF")
    assert info.value.status == 400
    assert "flowInfo.flowSyntax must be one of CII, UBL, Factur-X, CDAR, FRR" in str(
        info.value
    )


def test_file_too_large_is_413(make_server, make_client):
    server = make_server(max_file_size=1000)
    with pytest.raises(AfnorPermanentError) as info:
        _submit(make_client(server), content_bytes=b"<a>" + b"x" * 1000 + b"</a>")
    assert (info.value.status, info.value.retryable) == (413, False)
    assert "FileSizeExceeded" in str(info.value)
    assert "Reduce the size of the PDF" in str(info.value)


def test_checksum_mismatch_is_422_and_creates_no_flow(make_server, make_client):
    server = make_server()
    info = {"name": "FA-1.xml", "flowSyntax": "CII", "sha256": "0" * 64}
    response = requests.post(
        f"{server.base_url}/v1/flows",
        files={
            "flowInfo": (None, json.dumps(info), "application/json"),
            "file": ("FA-1.xml", cii("FA-1"), "application/xml"),
        },
        headers={"Organization-Id": ORG},
        timeout=5,
    )
    assert response.status_code == 422
    assert response.json()["errorCode"] == "ChecksumMismatch"
    assert list(make_client(server).search_flows({"flowDirection": ["Out"]})) == []


def test_missing_parts_and_fields_are_400(make_server):
    server = make_server()
    url = f"{server.base_url}/v1/flows"
    no_file = requests.post(
        url, files={"flowInfo": (None, '{"name": "a"}', "application/json")}, timeout=5
    )
    no_syntax = requests.post(
        url,
        files={
            "flowInfo": (None, '{"name": "a.xml"}', "application/json"),
            "file": ("a.xml", b"<a/>", "application/xml"),
        },
        timeout=5,
    )
    assert (no_file.status_code, no_syntax.status_code) == (400, 400)
    assert "part file is required" in no_file.json()["errorMessage"]
    assert "flowInfo.flowSyntax is required" in no_syntax.json()["errorMessage"]


@pytest.mark.parametrize(
    ("status", "error_class", "hint"),
    [
        (429, AfnorRateLimitError, "throttling requests. It will be retried in 7 s"),
        (503, AfnorTransientError, "unavailable. It will be retried in 7 s"),
        (500, AfnorTransientError, "internal error. It will be retried later"),
    ],
)
def test_transient_errors_honour_retry_after(
    make_server, make_client, status, error_class, hint
):
    server = make_server()
    server.fail_next(status, retry_after=7)
    with pytest.raises(error_class) as info:
        _submit(make_client(server))
    error = info.value
    assert (error.status, error.retryable) == (status, True)
    assert hint in str(error)
    if status != 500:
        assert error.retry_after == 7.0
    # The next submission goes through: the failure was transient.
    assert _submit(make_client(server))["acknowledgement"]["status"] == "Pending"


def test_timeout_is_transient(make_server, make_client):
    server = make_server(hang_seconds=2)
    server.fail_next("hang")
    client = make_client(server, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(AfnorTransientError) as info:
        _submit(client)
    assert time.monotonic() - started < 1.5
    assert info.value.retryable is True
    assert "did not answer within 0.3 s (POST /v1/flows)" in str(info.value)


def test_connection_refused_is_transient():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = AfnorFlowClient(f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(AfnorTransientError) as info:
        client.healthcheck()
    assert info.value.retryable is True
    assert f"Could not connect to the platform at http://127.0.0.1:{port}" in str(
        info.value
    )


def test_failure_injection_on_every_route(make_server, make_client):
    server = make_server()
    server.fail_next(503, count=2, route="*")
    client = make_client(server)
    with pytest.raises(AfnorTransientError):
        client.healthcheck()
    with pytest.raises(AfnorTransientError):
        client.list_webhooks()
    assert client.healthcheck() is True


def test_wrong_secret_is_an_auth_error(server, make_client):
    client = make_client(
        server,
        token_url=server.token_url,
        client_id=CLIENT_ID,
        client_secret="wrong-secret-value",
    )
    with pytest.raises(AfnorAuthError) as info:
        client.healthcheck()
    assert info.value.status == 401
    assert "Check the client id and secret of the platform account" in str(info.value)
    assert "invalid_client" in str(info.value)
    assert "wrong-secret-value" not in str(info.value)


def test_persistent_401_after_token_refresh_is_permanent(server, client):
    server.fail_next(401, count=2)
    with pytest.raises(AfnorAuthError, match="Check the client id and secret"):
        _submit(client)
    assert len(server.requests_to("/oauth/token")) == 2


class _EchoAdapter(requests.adapters.BaseAdapter):
    """A platform that echoes credentials back in its error bodies."""

    def send(self, request, **kwargs):
        response = requests.Response()
        response.request, response.url = request, request.url
        if request.url.endswith("/token"):
            response.status_code = 200
            response._content = b'{"access_token": "tok-ABCDEF-123", "expires_in": 600}'
        else:
            response.status_code = 400
            echo = f"bad request {SECRET} {request.headers['Authorization']}"
            response._content = json.dumps(
                {"errorCode": "BAD", "errorMessage": echo}
            ).encode()
        return response

    def close(self):
        pass


def test_secret_and_token_never_in_logs_or_errors(caplog, server, client):
    caplog.set_level(logging.DEBUG)
    client.submit_flow("FA-1.xml", cii("FA-1"), "CII", "T-1")
    list(client.search_flows({"trackingId": "T-1"}))
    server.revoke_tokens()
    client.list_webhooks()
    tokens = list(server._tokens)

    session = requests.Session()
    session.mount("http://echo/", _EchoAdapter())
    echo = AfnorFlowClient(
        "http://echo/api",
        token_url="http://echo/token",
        client_id=CLIENT_ID,
        client_secret=SECRET,
        session=session,
    )
    with pytest.raises(AfnorPermanentError) as info:
        echo.healthcheck()

    assert "bad request ***" in str(info.value)
    assert "AFNOR GET /v1/healthcheck" in caplog.text
    for secret in [SECRET, "tok-ABCDEF-123", *tokens]:
        assert secret not in caplog.text
        assert secret not in str(info.value)
        assert secret not in json.dumps(info.value.details)
        assert secret not in repr(client)
    assert all("Authorization" not in r["headers"] for r in server.requests)


# ---------------------------------------------------------------------------
# Duplicates and lifecycle
# ---------------------------------------------------------------------------


def test_same_tracking_id_twice_is_acknowledged_as_already_existing(
    server, client, checker
):
    first = client.submit_flow("FA-1.xml", cii("FA-1"), "CII", "T-DUP")
    second = client.submit_flow("FA-1.xml", cii("FA-1"), "CII", "T-DUP")

    assert second["flowId"] != first["flowId"]
    assert second["acknowledgement"] == {
        "status": "Error",
        "details": [
            {
                "level": "Error",
                "item": "trackingId",
                "reasonCode": "AlreadyExistingFlow",
                "reasonMessage": f"trackingId T-DUP was already received as flow "
                f"{first['flowId']}.",
            }
        ],
    }
    assert checker.errors(second, "Flow") == []
    server.advance()
    assert len(lc_flows(client)) == 1
    assert client.get_flow(first["flowId"])["acknowledgement"] == {"status": "Ok"}
    assert client.get_flow(second["flowId"])["acknowledgement"]["status"] == "Error"


def test_lifecycle_plays_200_to_205_with_cdar_documents(server, client, checker):
    invoice = client.submit_flow("FA-2026-0042.xml", cii("FA-2026-0042"), "CII", "T-42")
    schema = etree.XMLSchema(
        etree.parse(str(XSD / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"))
    )

    for _step in range(6):
        server.advance()

    flows = lc_flows(client)
    statuses = [status_of(client, flow) for flow in flows]
    assert [s["status_code"] for s in statuses] == ["200", "202", "203", "204", "205"]
    assert {s["invoice_number"] for s in statuses} == {"FA-2026-0042"}
    for flow in flows:
        assert (flow["flowSyntax"], flow["flowDirection"]) == ("CDAR", "In")
        assert flow["acknowledgement"] == {"status": "Ok"}
        assert checker.errors(flow, "Flow") == []
        xml = client.get_flow(flow["flowId"], doc_type="Original")
        assert schema.validate(etree.fromstring(xml)), schema.error_log
        assert hashlib.sha256(xml).hexdigest() == flow["sha256"]
    seller = etree.fromstring(client.get_flow(flows[-1]["flowId"], doc_type="Original"))
    ids = seller.xpath("//*[local-name()='GlobalID'][@schemeID='0002']/text()")
    assert "123456782" in ids and "987654321" in ids
    assert client.get_flow(invoice["flowId"])["acknowledgement"]["status"] == "Ok"
    assert server.advance() == []


def test_lifecycle_follows_the_clock(make_server, make_client, clock):
    server = make_server(step_seconds=60)
    client = make_client(server)
    client.submit_flow("FA-1.xml", cii("FA-1"), "CII", "T-1")

    clock.tick(59)
    assert lc_flows(client) == []
    clock.tick(1 + 60)
    flows = lc_flows(client)

    assert [status_of(client, f)["status_code"] for f in flows] == ["200", "202"]
    assert flows[0]["updatedAt"] == "2026-09-15T08:02:00.000000+00:00"


@pytest.mark.parametrize(
    ("scenario", "reason", "expected"),
    [
        ("rejected", "DOUBLON", ["200", "213"]),
        ("refused", "MONTANTTOTAL_ERR", ["200", "202", "203", "204", "210"]),
    ],
)
def test_rejected_and_refused_scenarios(server, client, scenario, reason, expected):
    server.set_scenario("T-BAD", scenario, reason_code=reason)
    client.submit_flow("FA-BAD.xml", cii("FA-BAD"), "CII", "T-BAD")

    for _step in range(6):
        server.advance()

    statuses = [status_of(client, flow) for flow in lc_flows(client)]
    assert [s["status_code"] for s in statuses] == expected
    assert statuses[-1]["reason_code"] == reason
    assert statuses[-1]["invoice_number"] == "FA-BAD"


def test_factur_x_pdf_lifecycle_reads_the_embedded_invoice(server, client):
    pdf_path = SHARED / "cases" / "real" / "fnfe" / "Facture_FR_BASIC.pdf"
    if not pdf_path.exists():
        pytest.skip("Factur-X sample not found")
    pytest.importorskip("facturx")
    client.submit_flow(
        "Facture_FR_BASIC.pdf", pdf_path.read_bytes(), "Factur-X", "T-FX"
    )

    server.advance()

    status = status_of(client, lc_flows(client)[0])
    assert (status["invoice_number"], status["status_code"]) == ("FA-2017-0010", "200")


def test_state_file_keeps_flows_across_restart(make_server, make_client, tmp_path):
    state = tmp_path / "afnor.json"
    server = make_server(state_file=str(state))
    flow = make_client(server).submit_flow("FA-1.xml", cii("FA-1"), "CII", "T-1")
    server.advance()
    server.stop()

    restarted = make_server(state_file=str(state))
    client = make_client(restarted)
    restarted.advance()

    assert client.get_flow(flow["flowId"])["trackingId"] == "T-1"
    assert client.get_flow(flow["flowId"], doc_type="Original") == cii("FA-1")
    codes = [status_of(client, f)["status_code"] for f in lc_flows(client)]
    assert codes == ["200", "202"]


def test_server_runs_as_a_script(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    script = TOOLS / "afnor_server.py"
    args = [sys.executable, str(script), "--port", str(port), "--step-seconds", "0"]
    args += ["--state-file", str(tmp_path / "state.json")]
    process = subprocess.Popen(args, cwd=tmp_path, stderr=subprocess.PIPE)
    try:
        client = AfnorFlowClient(f"http://127.0.0.1:{port}", timeout=2)
        _wait_until_up(client, process)
        flow = client.submit_flow("FA-1.xml", cii("FA-1"), "CII", "T-CLI")
        assert client.get_flow(flow["flowId"])["trackingId"] == "T-CLI"
    finally:
        process.terminate()
        process.wait(timeout=10)
    saved = json.loads((tmp_path / "state.json").read_text())
    assert flow["flowId"] in saved["flows"]


def _wait_until_up(client, process):
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(process.stderr.read().decode())
        try:
            return client.healthcheck()
        except AfnorTransientError:
            time.sleep(0.1)
    pytest.fail("the AFNOR demo server did not start")


def test_server_refuses_a_non_loopback_address():
    with pytest.raises(ValueError, match="loopback"):
        afnor_server.AfnorServer(host="0.0.0.0")
