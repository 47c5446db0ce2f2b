"""Tests of the CDAR lifecycle-status builder (tools/cdar.py), plain pytest.

Every message built is checked against the CDAR D22B XSD (lxml) and the
BR-FR-CDV schematron compiled to XSLT 2.0 (saxonche), from the shared reference folder.
"""

import os
import sys
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "addons" / "cabinet_fullservice" / "tools"
SHARED = Path(
    os.environ.get("CABINET_SHARED_DIR")
    or Path(__file__).resolve().parents[2] / "shared"
)
CDAR_DIR = SHARED / "afnor" / "cdar"
XSD = CDAR_DIR / "xsd" / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
XSLT = CDAR_DIR / "xslt" / "BR-FR-CDV-Schematron-CDAR.xslt"
XSLT_WARNING = CDAR_DIR / "xslt" / "BR-FR-CDV-Schematron-CDAR_WARNING.xslt"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"

sys.path.insert(0, str(TOOLS))
import cdar

SELLER = "123456782"
BUYER = "987654321"
INVOICE_DATE = date(2026, 9, 15)
STAMP = datetime(2026, 10, 1, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def xsd():
    if not XSD.exists():
        pytest.skip(f"shared reference material not found in {SHARED}")
    return etree.XMLSchema(etree.parse(str(XSD)))


@pytest.fixture(scope="module")
def schematron():
    """Return a function running both compiled schematrons on XML bytes."""
    if not XSLT.exists():
        pytest.skip(f"shared reference material not found in {SHARED}")
    saxonche = pytest.importorskip("saxonche")
    with saxonche.PySaxonProcessor(license=False) as processor:
        compiler = processor.new_xslt30_processor()
        executables = [
            compiler.compile_stylesheet(stylesheet_file=str(path))
            for path in (XSLT, XSLT_WARNING)
        ]

        def run(xml_bytes):
            failed = []
            for executable in executables:
                node = processor.parse_xml(xml_text=xml_bytes.decode())
                report = executable.transform_to_string(xdm_node=node)
                svrl = etree.fromstring(report.encode())
                failed += [
                    (item.get("id"), item.get("flag"))
                    for item in svrl.iter(f"{SVRL}failed-assert")
                ]
            return failed

        yield run


def assert_valid(xml_bytes, xsd, schematron):
    document = etree.fromstring(xml_bytes)
    assert xsd.validate(document), xsd.error_log
    assert schematron(xml_bytes) == []


# ---------------------------------------------------------------------------
# 212 Encaissée
# ---------------------------------------------------------------------------


def test_212_two_vat_rates_paid_in_two_halves(xsd, schematron):
    """Invoice: 800 excl. VAT at 20 % and 200 excl. VAT at 10 %, paid twice 590.

    Amounts are incl. VAT. BR-FR-CDV-14 makes every MEN characteristic carry
    an amount (MDT-215) *and* a VAT rate (MDT-224), one per rate: the amount
    is the cash collected, which includes the VAT, and the rate is what lets
    the tax side split out the VAT due on collection (amount x rate /
    (100 + rate)). An amount excl. VAT would make that rate redundant.
    """
    totals_incl_vat = {Decimal(20): Decimal("960.00"), Decimal(10): Decimal(220)}
    half = Decimal("590.00")  # 1180.00 incl. VAT in two equal payments

    first = cdar.prorate_payment(totals_incl_vat, half)
    second = cdar.prorate_payment(totals_incl_vat, half)

    assert first == {Decimal(20): Decimal("480.00"), Decimal(10): Decimal("110.00")}
    assert {rate: first[rate] + second[rate] for rate in first} == totals_incl_vat
    messages = [
        cdar.build_collected_message(
            "FA-2026-0042", INVOICE_DATE, SELLER, amounts, f"CDV-212-{index}"
        )
        for index, amounts in enumerate((first, second), start=1)
    ]
    for xml in messages:
        assert_valid(xml, xsd, schematron)
    parsed = cdar.parse_status_message(messages[0])
    assert parsed == {
        "message_id": "CDV-212-1",
        "invoice_number": "FA-2026-0042",
        "invoice_date": INVOICE_DATE,
        "status_code": "212",
        "reason_code": None,
        "amounts": [
            ("MEN", Decimal(20), Decimal("480.00")),
            ("MEN", Decimal(10), Decimal("110.00")),
        ],
    }


def test_212_xml_carries_seller_issuer_and_currency(xsd, schematron):
    xml = cdar.build_collected_message(
        "FA-1",
        INVOICE_DATE,
        SELLER,
        {Decimal("5.5"): Decimal("105.50")},
        "CDV-1",
        issue_datetime=STAMP,
    )
    root = etree.fromstring(xml)
    ns = cdar.NSMAP
    reference = root.find(
        "rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument", ns
    )
    assert (
        root.findtext("rsm:AcknowledgementDocument/ram:TypeCode", namespaces=ns) == "23"
    )
    assert (
        reference.findtext("ram:IssuerTradeParty/ram:GlobalID", namespaces=ns) == SELLER
    )
    assert (
        reference.findtext("ram:IssuerTradeParty/ram:RoleCode", namespaces=ns) == "SE"
    )
    assert reference.findtext(
        "ram:FormattedIssueDateTime/qdt:DateTimeString", namespaces=ns
    ) == ("20260915")
    amount = reference.find(".//ram:ValueAmount", ns)
    assert (amount.text, amount.get("currencyID")) == ("105.50", "EUR")
    assert reference.findtext(".//ram:ValuePercent", namespaces=ns) == "5.5"
    stamp = root.findtext(
        "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", namespaces=ns
    )
    assert stamp == "20261001093000"
    assert_valid(xml, xsd, schematron)


def test_212_without_rate_is_caught_by_schematron(xsd, schematron):
    """The harness really applies BR-FR-CDV-14: drop a rate, get the fatal."""
    xml = cdar.build_collected_message(
        "FA-1", INVOICE_DATE, SELLER, {20: Decimal(120)}, "CDV-2"
    )
    root = etree.fromstring(xml)
    percent = root.find(".//ram:ValuePercent", cdar.NSMAP)
    percent.getparent().remove(percent)
    broken = etree.tostring(root)
    assert xsd.validate(root)
    assert ("BR-FR-CDV-14_MDT-207", "fatal") in schematron(broken)
    assert ("BR-FR-CDV-14_MDT-207", "warning") in schematron(broken)


def test_212_needs_positive_amounts():
    with pytest.raises(cdar.CdarError, match="BR-FR-CDV-14"):
        cdar.build_collected_message("FA-1", INVOICE_DATE, SELLER, {}, "CDV-3")
    with pytest.raises(cdar.CdarError, match="positive"):
        cdar.build_collected_message("FA-1", INVOICE_DATE, SELLER, {20: 0}, "CDV-3")


def test_prorate_payment_keeps_cents_exact():
    parts = cdar.prorate_payment({20: Decimal("100.01"), 10: Decimal("50.00")}, 50)
    assert parts == {20: Decimal("33.33"), 10: Decimal("16.67")}
    assert sum(parts.values()) == Decimal("50.00")
    with pytest.raises(cdar.CdarError):
        cdar.prorate_payment({}, 10)


# ---------------------------------------------------------------------------
# Other statuses
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason", "type_code", "issuer_role"),
    [
        ("200", None, "305", "WK"),
        ("202", None, "305", "WK"),
        ("203", None, "305", "WK"),
        ("204", None, "23", "BY"),
        ("205", None, "23", "BY"),
        ("210", "TX_TVA_ERR", "23", "BY"),
        ("213", "DOUBLON", "305", "WK"),
    ],
)
def test_status_messages_pass_xsd_and_schematron(
    xsd, schematron, status, reason, type_code, issuer_role
):
    xml = cdar.build_status_message(
        "FA-2026-0042",
        INVOICE_DATE,
        status,
        SELLER,
        f"CDV-{status}",
        issue_datetime=STAMP,
        buyer_siren=BUYER,
        reason_code=reason,
        reason_text=cdar.STATUS_LABELS[status],
    )
    assert_valid(xml, xsd, schematron)
    root = etree.fromstring(xml)
    ns = cdar.NSMAP
    assert root.findtext("rsm:AcknowledgementDocument/ram:TypeCode", namespaces=ns) == (
        type_code
    )
    issuer = root.findtext(
        "rsm:ExchangedDocument/ram:IssuerTradeParty/ram:RoleCode", namespaces=ns
    )
    assert issuer == issuer_role
    parsed = cdar.parse_status_message(xml)
    assert (parsed["status_code"], parsed["reason_code"]) == (status, reason)
    assert parsed["invoice_number"] == "FA-2026-0042"


def test_reason_is_required_for_rejection_and_refusal():
    with pytest.raises(cdar.CdarError, match="BR-FR-CDV-15"):
        cdar.build_status_message("FA-1", INVOICE_DATE, "213", SELLER, "CDV-4")
    with pytest.raises(cdar.CdarError, match="BR-FR-CDV-15"):
        cdar.build_status_message(
            "FA-1", INVOICE_DATE, "210", SELLER, "CDV-5", buyer_siren=BUYER
        )


def test_buyer_status_needs_buyer_siren():
    with pytest.raises(cdar.CdarError, match="buyer SIREN"):
        cdar.build_status_message("FA-1", INVOICE_DATE, "205", SELLER, "CDV-6")


def test_wrong_reason_for_rejection_is_caught_by_schematron(xsd, schematron):
    xml = cdar.build_status_message(
        "FA-1", INVOICE_DATE, "213", SELLER, "CDV-7", reason_code="TX_TVA_ERR"
    )
    assert ("BR-FR-CDV-CL-09_MDT-113_213", "fatal") in schematron(xml)


def test_parsed_status_carries_the_invoice_issue_date():
    """A status is matched to its invoice by number and issue date (BT-2)."""
    xml = cdar.build_status_message(
        "FA/2026/00012",
        date(2026, 9, 30),
        "204",
        "123456782",
        "MSG-204-1",
        buyer_siren="987654324",
    )
    values = cdar.parse_status_message(xml)
    assert values["invoice_number"] == "FA/2026/00012"
    assert values["invoice_date"] == date(2026, 9, 30)
    assert values["status_code"] == "204"
