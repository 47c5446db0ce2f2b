"""Reading and preparing lifecycle-status messages for the Odoo models.

Thin layer over :mod:`cdar` (the CDAR D22B builder and parser): it reads the
few more values the invoice timeline shows (status date, issuer role, reason
text) and computes the per-rate amounts of a 212 "Encaissée". Pure Python.
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from . import cdar

CENT = Decimal("0.01")


def _parse_stamp(text):
    """Naive UTC datetime of a CDAR ``DateTimeString`` (format 204 or 102)."""
    text = (text or "").strip()
    for fmt in ("%Y%m%d%H%M%S", "%Y%m%d"):
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return moment
    return None


def read_status_message(xml_bytes):
    """Values of a CDAR status message.

    :return: the dict of :func:`cdar.parse_status_message` plus
        ``issue_datetime`` (naive UTC or None), ``issuer_role`` and
        ``reason_text``.
    """
    values = cdar.parse_status_message(xml_bytes)
    root = etree.fromstring(xml_bytes)
    ns = cdar.NSMAP
    document = root.find("rsm:ExchangedDocument", ns)
    reference = root.find(
        "rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument", ns
    )
    values["issue_datetime"] = _parse_stamp(
        document.findtext("ram:IssueDateTime/udt:DateTimeString", namespaces=ns)
    )
    values["issuer_role"] = document.findtext(
        "ram:IssuerTradeParty/ram:RoleCode", namespaces=ns
    )
    values["reason_text"] = reference.findtext(
        "ram:SpecifiedDocumentStatus/ram:Reason", namespaces=ns
    )
    return values


def collected_amounts(totals_by_rate, reported_by_rate, paid_before, paid_now):
    """Amounts incl. VAT per rate of one payment, for a 212 message.

    The cumulated amount paid is prorated over the invoice totals, and the
    amounts already reported are subtracted: rounding never drifts, and once
    the invoice is fully paid the 212 messages add up to its totals per rate.

    :param totals_by_rate: ``{rate: invoice total incl. VAT}``
    :param reported_by_rate: ``{rate: amount already reported}``
    :param paid_before: amount cashed and reported before this payment
    :param paid_now: amount of this payment (incl. VAT)
    :return: ``{rate: Decimal}``, zero parts left out
    """
    cumulated = Decimal(str(paid_before)) + Decimal(str(paid_now))
    target = cdar.prorate_payment(totals_by_rate, cumulated)
    amounts = {}
    for rate, amount in target.items():
        part = amount - Decimal(str(reported_by_rate.get(rate, 0)))
        part = part.quantize(CENT, ROUND_HALF_UP)
        if part:
            amounts[rate] = part
    return amounts
