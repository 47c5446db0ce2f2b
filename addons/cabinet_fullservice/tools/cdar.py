"""Builder of CDAR D22B lifecycle-status messages (French flow 6, "CDV").

The message is a UN/CEFACT CrossDomainAcknowledgementAndResponse D22B document
shaped by the French BR-FR-CDV rules: one ``AcknowledgementDocument`` that
references one invoice and carries its status code in ``ProcessConditionCode``.

Values are prepared first (plain dicts), then rendered one XML block per method,
so callers can override a single block. Pure Python: no Odoo import.
"""

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

NS_RSM = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
NS_RAM = (
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
)
NS_QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NS_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NSMAP = {"rsm": NS_RSM, "ram": NS_RAM, "qdt": NS_QDT, "udt": NS_UDT}

# BR-FR-CDV-02 (MDT-3): guideline of lifecycle messages exchanged between PAs.
GUIDELINE_ID = "urn.cpro.gouv.fr:1p0:CDV:invoice"
# BR-FR-CDV-09 (MDT-77): 305 = transmission phase, 23 = processing phase.
TYPE_TRANSMISSION = "305"
TYPE_PROCESSING = "23"
# ISO 6523 scheme of a SIREN (0002) and of a PA registration number (0238).
SCHEME_SIREN = "0002"
SCHEME_PLATFORM = "0238"

STATUS_LABELS = {
    "200": "Déposée",
    "201": "Émise par la plateforme",
    "202": "Reçue par la plateforme",
    "203": "Mise à disposition",
    "204": "Prise en charge",
    "205": "Approuvée",
    "206": "Approuvée partiellement",
    "207": "En litige",
    "208": "Suspendue",
    "209": "Complétée",
    "210": "Refusée",
    "211": "Paiement transmis",
    "212": "Encaissée",
    "213": "Rejetée",
    "214": "Visée",
    "220": "Annulée",
    "221": "Erreur de routage",
    "501": "Irrecevable",
}
# Statuses a platform emits itself: transmission phase, sender and issuer "WK".
PLATFORM_STATUSES = {"200", "201", "202", "203", "213", "221", "501"}
# Statuses emitted by the seller (BR-FR-CDV-CL-07 also wants "SE" on MDT-132).
SELLER_STATUSES = {"209", "212", "220"}
# BR-FR-CDV-15: these statuses need a reason code (MDT-113).
REASON_REQUIRED = {"206", "207", "208", "210", "213", "501"}
CENT = Decimal("0.01")


class CdarError(ValueError):
    """Raised when the values given cannot make a valid CDAR message."""


@dataclass(frozen=True)
class CdarParty:
    """A trade party of the message (sender, issuer, recipient).

    :param role: UNTDID 3035 role code (``WK`` platform, ``SE`` seller, ``BY``
        buyer, ...).
    :param global_id: identifier (SIREN, platform number), optional.
    :param scheme_id: ISO 6523 scheme of ``global_id``.
    :param name: optional name.
    :param uri: electronic address, required by BR-FR-CDV-08 for a recipient
        that is neither ``WK`` nor ``DFH``.
    """

    role: str
    global_id: str | None = None
    scheme_id: str = SCHEME_SIREN
    name: str | None = None
    uri: str | None = None


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def prorate_payment(totals_by_rate, paid_amount):
    """Split a payment across VAT rates in proportion to the invoice totals.

    The last rate takes the rounding remainder so the parts add up exactly.

    :param totals_by_rate: ``{rate: amount incl. VAT}`` of the invoice.
    :param paid_amount: amount collected (incl. VAT).
    :return: ``{rate: collected amount incl. VAT}`` rounded to the cent.
    """
    rates = list(totals_by_rate)
    grand_total = sum(Decimal(str(v)) for v in totals_by_rate.values())
    if not rates or not grand_total:
        raise CdarError("Cannot split a payment over an invoice without amounts.")
    paid = Decimal(str(paid_amount))
    parts, allotted = {}, Decimal(0)
    for rate in rates[:-1]:
        share = paid * Decimal(str(totals_by_rate[rate])) / grand_total
        parts[rate] = share.quantize(CENT, ROUND_HALF_UP)
        allotted += parts[rate]
    parts[rates[-1]] = (paid - allotted).quantize(CENT, ROUND_HALF_UP)
    return parts


def default_parties(status_code, seller_siren, buyer_siren=None, platform_id="9998"):
    """Return the (type code, sender, issuer, recipient) usual for a status.

    Platform statuses travel in the transmission phase (305, roles ``WK``);
    buyer and seller statuses in the processing phase (23), whose issuer must
    carry an identifier (BR-FR-CDV-07).
    """
    platform = CdarParty("WK", platform_id, SCHEME_PLATFORM)
    if status_code in PLATFORM_STATUSES:
        return TYPE_TRANSMISSION, platform, platform, platform
    if status_code in SELLER_STATUSES:
        return TYPE_PROCESSING, platform, CdarParty("SE", seller_siren), platform
    if not buyer_siren:
        raise CdarError(
            f"Status {status_code} is issued by the buyer: give the buyer SIREN "
            "(rule BR-FR-CDV-07)."
        )
    return TYPE_PROCESSING, platform, CdarParty("BY", buyer_siren), platform


def prepare_status_vals(
    invoice_number,
    invoice_date,
    status_code,
    seller_siren,
    message_id,
    issue_datetime=None,
    buyer_siren=None,
    reason_code=None,
    reason_text=None,
    amounts_by_rate=None,
    currency="EUR",
    **overrides,
):
    """Collect the values of one lifecycle-status message.

    :param invoice_number: BT-1 of the invoice (MDT-87).
    :param invoice_date: BT-2 of the invoice, ``date`` (MDG-35).
    :param status_code: lifecycle status code (``"200"`` ... ``"501"``).
    :param seller_siren: SIREN of the seller, BT-30 (MDT-129).
    :param message_id: unique id of this message (MDT-4).
    :param issue_datetime: aware ``datetime`` of the message, now by default.
    :param buyer_siren: SIREN of the buyer, needed for buyer statuses (204...).
    :param reason_code: reason (MDT-113), required for 206-208, 210, 213, 501.
    :param amounts_by_rate: ``{vat rate: amount}`` for MEN characteristics.
    :param overrides: any key of the returned dict (``type_code``,
        ``sender``, ``issuer``, ``recipient``, ``invoice_type_code``,
        ``business_process``, ``amount_type``).
    :return: dict of values for :func:`render_status_message`.
    """
    status_code = str(status_code)
    if status_code in REASON_REQUIRED and not reason_code:
        raise CdarError(
            f"Status {status_code} needs a reason code (rule BR-FR-CDV-15)."
        )
    type_code, sender, issuer, recipient = default_parties(
        status_code, seller_siren, buyer_siren
    )
    vals = {
        "message_id": message_id,
        "issue_datetime": issue_datetime or datetime.now(timezone.utc),
        "business_process": "REGULATED",
        "type_code": type_code,
        "sender": sender,
        "issuer": issuer,
        "recipient": recipient,
        "invoice_number": invoice_number,
        "invoice_date": invoice_date,
        "invoice_type_code": "380",
        "status_code": status_code,
        "seller": CdarParty("SE", seller_siren),
        "reason_code": reason_code,
        "reason_text": reason_text,
        "amount_type": "MEN",
        "amounts_by_rate": dict(amounts_by_rate or {}),
        "currency": currency,
    }
    vals.update(overrides)
    return vals


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def _sub(parent, prefix, tag, text=None, **attrib):
    node = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{tag}", attrib)
    if text is not None:
        node.text = str(text)
    return node


def _format_amount(value):
    # BR-FR-DEC-01: at most two decimals.
    return str(Decimal(str(value)).quantize(CENT, ROUND_HALF_UP))


def _format_percent(value):
    # BR-FR-DEC-04: at most two decimals, no trailing zeros beyond them.
    text = format(Decimal(str(value)).quantize(CENT, ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _add_party(parent, tag, party):
    node = _sub(parent, "ram", tag)
    if party.global_id:
        _sub(node, "ram", "GlobalID", party.global_id, schemeID=party.scheme_id)
    if party.name:
        _sub(node, "ram", "Name", party.name)
    _sub(node, "ram", "RoleCode", party.role)
    if party.uri:
        comm = _sub(node, "ram", "URIUniversalCommunication")
        _sub(comm, "ram", "URIID", party.uri, schemeID="0225")
    return node


def _add_context_nodes(root, vals):
    context = _sub(root, "rsm", "ExchangedDocumentContext")
    process = _sub(context, "ram", "BusinessProcessSpecifiedDocumentContextParameter")
    _sub(process, "ram", "ID", vals["business_process"])
    guideline = _sub(context, "ram", "GuidelineSpecifiedDocumentContextParameter")
    _sub(guideline, "ram", "ID", GUIDELINE_ID)


def _add_exchanged_document_nodes(root, vals):
    document = _sub(root, "rsm", "ExchangedDocument")
    _sub(document, "ram", "ID", vals["message_id"])
    _sub(document, "ram", "Name", "Cycle de vie")
    issued = _sub(document, "ram", "IssueDateTime")
    stamp = vals["issue_datetime"].astimezone(timezone.utc)
    _sub(issued, "udt", "DateTimeString", stamp.strftime("%Y%m%d%H%M%S"), format="204")
    _add_party(document, "SenderTradeParty", vals["sender"])
    _add_party(document, "IssuerTradeParty", vals["issuer"])
    _add_party(document, "RecipientTradeParty", vals["recipient"])


def _add_status_detail_nodes(reference, vals):
    status = _sub(reference, "ram", "SpecifiedDocumentStatus")
    if vals["reason_code"]:
        _sub(status, "ram", "ReasonCode", vals["reason_code"])
    if vals["reason_text"]:
        _sub(status, "ram", "Reason", vals["reason_text"])
    # BR-FR-CDV-16: every status detail carries its sequence number.
    _sub(status, "ram", "SequenceNumeric", 1)
    for rate, amount in vals["amounts_by_rate"].items():
        characteristic = _sub(status, "ram", "SpecifiedDocumentCharacteristic")
        _sub(characteristic, "ram", "TypeCode", vals["amount_type"])
        _sub(
            characteristic,
            "ram",
            "ValueAmount",
            _format_amount(amount),
            currencyID=vals["currency"],
        )
        _sub(characteristic, "ram", "ValuePercent", _format_percent(rate))


def _add_referenced_invoice_nodes(acknowledgement, vals):
    reference = _sub(acknowledgement, "ram", "ReferenceReferencedDocument")
    _sub(reference, "ram", "IssuerAssignedID", vals["invoice_number"])
    _sub(reference, "ram", "TypeCode", vals["invoice_type_code"])
    formatted = _sub(reference, "ram", "FormattedIssueDateTime")
    _sub(
        formatted,
        "qdt",
        "DateTimeString",
        vals["invoice_date"].strftime("%Y%m%d"),
        format="102",
    )
    _sub(reference, "ram", "ProcessConditionCode", vals["status_code"])
    _add_party(reference, "IssuerTradeParty", vals["seller"])
    _add_status_detail_nodes(reference, vals)


def _add_acknowledgement_nodes(root, vals):
    acknowledgement = _sub(root, "rsm", "AcknowledgementDocument")
    _sub(acknowledgement, "ram", "TypeCode", vals["type_code"])
    issued = _sub(acknowledgement, "ram", "IssueDateTime")
    stamp = vals["issue_datetime"].astimezone(timezone.utc)
    _sub(issued, "udt", "DateTimeString", stamp.strftime("%Y%m%d%H%M%S"), format="204")
    _add_referenced_invoice_nodes(acknowledgement, vals)


def render_status_message(vals):
    """Render prepared values as CDAR XML bytes (UTF-8, with declaration)."""
    root = etree.Element(
        f"{{{NS_RSM}}}CrossDomainAcknowledgementAndResponse", nsmap=NSMAP
    )
    _add_context_nodes(root, vals)
    _add_exchanged_document_nodes(root, vals)
    _add_acknowledgement_nodes(root, vals)
    return etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


# ---------------------------------------------------------------------------
# Public builders
# ---------------------------------------------------------------------------


def build_status_message(
    invoice_number, invoice_date, status_code, seller_siren, message_id, **kwargs
):
    """Build a lifecycle-status message for one invoice.

    :param invoice_date: ``date`` of the invoice.
    :param kwargs: see :func:`prepare_status_vals`.
    :return: CDAR XML as bytes.
    """
    vals = prepare_status_vals(
        invoice_number, invoice_date, status_code, seller_siren, message_id, **kwargs
    )
    return render_status_message(vals)


def build_collected_message(
    invoice_number, invoice_date, seller_siren, amounts_by_rate, message_id, **kwargs
):
    """Build a 212 "Encaissée" message, one MEN amount per VAT rate.

    BR-FR-CDV-14 wants at least one MEN characteristic, each with an amount and
    a VAT rate. The amounts are the cash collected, so they include VAT: the
    rate beside each amount is what lets the receiver split out the VAT due on
    collection (amount x rate / (100 + rate)). Build them with
    :func:`prorate_payment` from the invoice totals incl. VAT.

    :param amounts_by_rate: ``{vat rate: collected amount incl. VAT}``, not
        empty, amounts > 0.
    :return: CDAR XML as bytes.
    """
    if not amounts_by_rate:
        raise CdarError(
            "A 212 (Encaissée) message needs one collected amount per VAT rate "
            "(rule BR-FR-CDV-14)."
        )
    if any(Decimal(str(amount)) <= 0 for amount in amounts_by_rate.values()):
        raise CdarError("Collected amounts of a 212 message must be positive.")
    return build_status_message(
        invoice_number,
        invoice_date,
        "212",
        seller_siren,
        message_id,
        amounts_by_rate=amounts_by_rate,
        **kwargs,
    )


def _parse_date_102(text):
    """A date written in format 102 (YYYYMMDD), or None."""
    if not text or len(text.strip()) != 8 or not text.strip().isdigit():
        return None
    text = text.strip()
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def parse_status_message(xml_bytes):
    """Read the main values back from a CDAR status message.

    :return: dict with ``message_id``, ``invoice_number``, ``status_code``,
        ``reason_code`` and ``amounts`` (list of ``(type, rate, amount)``).
    """
    root = etree.fromstring(xml_bytes)
    reference = root.find(
        "rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument", NSMAP
    )
    status = reference.find("ram:SpecifiedDocumentStatus", NSMAP)
    amounts = [
        (
            node.findtext("ram:TypeCode", namespaces=NSMAP),
            Decimal(node.findtext("ram:ValuePercent", namespaces=NSMAP)),
            Decimal(node.findtext("ram:ValueAmount", namespaces=NSMAP)),
        )
        for node in reference.iterfind(".//ram:SpecifiedDocumentCharacteristic", NSMAP)
    ]
    stamp = reference.findtext(
        "ram:FormattedIssueDateTime/qdt:DateTimeString", namespaces=NSMAP
    )
    return {
        "message_id": root.findtext("rsm:ExchangedDocument/ram:ID", namespaces=NSMAP),
        "invoice_number": reference.findtext("ram:IssuerAssignedID", namespaces=NSMAP),
        "invoice_date": _parse_date_102(stamp),
        "status_code": reference.findtext("ram:ProcessConditionCode", namespaces=NSMAP),
        "reason_code": status.findtext("ram:ReasonCode", namespaces=NSMAP)
        if status is not None
        else None,
        "amounts": amounts,
    }
