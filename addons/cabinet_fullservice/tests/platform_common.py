import importlib.util
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo import Command
from odoo.tests import new_test_user
from odoo.tests.common import _super_send

from odoo.addons.cabinet_fullservice.tools.afnor_server import AfnorServer

from .common import CabinetTestCommon

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_DIR = Path(os.environ.get("CABINET_SHARED_DIR") or REPO_ROOT.parent / "shared")
FLOW_SPEC = SHARED_DIR / "afnor" / "flow-service-1.3.0.json"
CDAR_XSD = (
    SHARED_DIR / "afnor/cdar/xsd/CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
)
CDAR_XSLT = SHARED_DIR / "afnor/cdar/xslt/BR-FR-CDV-Schematron-CDAR.xslt"
# Stand-in of the Factur-X file: the CII facts the platform reads (BT-1,
# BT-2, seller and buyer SIREN). Sent as is, the local server reads it
# without unpacking a PDF.
STAND_IN_CII = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice
    xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
  <rsm:ExchangedDocument>
    <ram:ID>{number}</ram:ID>
    <ram:IssueDateTime><ram:DateTimeString>{date}</ram:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement>
    <ram:SellerTradeParty><ram:SpecifiedLegalOrganization>
      <ram:ID>{seller}</ram:ID></ram:SpecifiedLegalOrganization></ram:SellerTradeParty>
    <ram:BuyerTradeParty><ram:SpecifiedLegalOrganization>
      <ram:ID>{buyer}</ram:ID></ram:SpecifiedLegalOrganization></ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement></rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""


def stand_in_facturx(move):
    return STAND_IN_CII.format(
        number=move.name,
        date=move.invoice_date.strftime("%Y%m%d"),
        seller=move.company_id._get_siren(),
        buyer=move.commercial_partner_id._get_siren(),
    ).encode()


class TickingClock:
    """Server clock moving one second per reading: every flow gets its own
    updatedAt, as on a real platform (the search filter is strict)."""

    def __init__(self):
        self.now = datetime.now(timezone.utc) - timedelta(minutes=5)

    def __call__(self):
        self.now += timedelta(seconds=1)
        return self.now


def load_openapi_checker():
    """The OpenAPI checker of the repository's tests, or None when the
    shared reference files or the checker are absent."""
    path = REPO_ROOT / "tests" / "openapi_check.py"
    if not (path.exists() and FLOW_SPEC.exists()):
        return None
    spec = importlib.util.spec_from_file_location("cabinet_openapi_check", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ImportError:
        return None
    return module.OpenApiChecker(FLOW_SPEC)


class PlatformTestCommon(CabinetTestCommon):
    """A local AFNOR Flow Service on 127.0.0.1 and an account for client A.

    The real HTTP client talks to the real server in a thread; only the
    Factur-X PDF is a stand-in (its generation is tested elsewhere).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Tests cannot commit: the cron's progress commits become no-ops.
        cls.startClassPatcher(
            patch.object(
                type(cls.env["ir.cron"]), "_commit_progress", return_value=3600.0
            )
        )
        cls.startClassPatcher(
            patch.object(
                type(cls.env["account.move"]),
                "_cabinet_get_facturx_pdf",
                stand_in_facturx,
            )
        )
        cls.account = cls.env["cabinet.platform.account"].create(
            {
                "name": "Local platform",
                "provider": "afnor",
                "base_url": "http://127.0.0.1:9",
                "company_ids": [cls.client_a.id],
                "timeout": 2,
            }
        )
        cls.mandate_a = cls._create_billing_mandate(cls.client_a)
        cls.collaborator = new_test_user(
            cls.env,
            login="lea.collaboratrice",
            name="Léa Comptable",
            groups="cabinet_fullservice.cabinet_fullservice_group_collaborator",
            company_id=cls.client_a.id,
            company_ids=[Command.set(cls.client_a.ids)],
        )
        # The crons run as the superuser.
        cls.Flow = cls.env["cabinet.platform.flow"].sudo()
        cls.Status = cls.env["cabinet.invoice.status"].sudo()

    def setUp(self):
        super().setUp()
        # A fresh platform per test: flows there are not rolled back.
        self.server = AfnorServer(clock=TickingClock(), hang_seconds=3)
        self.server.start()
        self.addCleanup(self.server.stop)
        self.account.base_url = self.server.base_url

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # The base handler raises timeouts below 10 s to 10 s; the local
        # server needs the real timeout to test it (loopback only).
        if urlsplit(r.url).hostname == "127.0.0.1":
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    # -------------------------------------------------------------------------
    # HELPERS
    # -------------------------------------------------------------------------

    def _post_sendable_invoice(self, lines=None, company=None, partner=None):
        """A posted invoice of client A that passed the Factur-X validation."""
        move = self._create_client_invoice(
            company or self.client_a,
            partner or self.buyer_b1,
            lines or [("Tenue comptable", 1, 1000.0, 20.0)],
        )
        move.action_post()
        move.cabinet_validation_state = "valid"
        return move

    def _send(self, move, user=None):
        """Queue as ``user`` (the collaborator by default), then run the cron."""
        move.with_user(user or self.collaborator).action_cabinet_send()
        self.Flow._cron_send_flows()
        return move.cabinet_flow_id

    def _server_invoices(self, tracking_id=None):
        return [
            record["meta"]
            for record in self.server.store.flows.values()
            if record["meta"]["flowType"] == "CustomerInvoice"
            and (not tracking_id or record["meta"].get("trackingId") == tracking_id)
        ]

    def _fetch(self):
        self.Status._cron_fetch_statuses()
