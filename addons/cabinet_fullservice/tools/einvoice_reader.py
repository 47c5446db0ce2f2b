"""Read the facts the draft import needs from a CII or UBL e-invoice.

Pure lxml and Odoo's PDF reader: ``facturx`` is never imported inside
Odoo (it breaks on stdnum there, DOMAIN §5). The functions return plain
values; the import wizard turns problems into user messages.
"""

import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree

from odoo.tools.pdf import OdooPdfFileReader

CII_ROOT = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}"
UBL_ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote",
}
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:"
    "ReusableAggregateBusinessInformationEntity:100",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
# Names of the embedded XML in Factur-X, ZUGFeRD 2.x / 1.0 and XRechnung PDFs.
EMBEDDED_XML_NAMES = (
    "factur-x.xml",
    "zugferd-invoice.xml",
    "ZUGFeRD-invoice.xml",
    "xrechnung.xml",
)
PROFILE_MINIMUM = "urn:factur-x.eu:1p0:minimum"
PROFILE_BASICWL = "urn:factur-x.eu:1p0:basicwl"
CENT = Decimal("0.01")
HALF_CENT = Decimal("0.005")

_CII_SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
_CII_TOTALS = f"{_CII_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"


class EinvoiceReadError(Exception):
    """The file holds no readable e-invoice; ``code`` names the reason."""

    def __init__(self, code, detail=""):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


@dataclass
class VatBreakdown:
    """One BG-23 VAT breakdown of the document header."""

    category: str
    rate: Decimal
    basis: Decimal
    amount: Decimal
    exemption_reason: str = ""


@dataclass
class LineArithmetic:
    """What is needed to check BT-131 = BT-129 × BT-146 / BT-149 ± BG-27/28."""

    line_id: str
    quantity: Decimal
    net_price: Decimal | None
    basis_quantity: Decimal
    allowances: Decimal
    charges: Decimal
    line_total: Decimal | None
    price_decimals: int = 2
    name: str = ""


@dataclass
class LineCheck:
    """How a line's net amount BT-131 follows from its price, if it does.

    ``reading`` is ``standard``, ``return``, ``price_per_unit`` or None
    (see check_line); ``quantity_sign`` is -1 when the quantity must be
    negated to give BT-131.
    """

    line: LineArithmetic
    reading: str | None
    computed: Decimal
    quantity_sign: int = 1


@dataclass
class EinvoiceFacts:
    """Identity, totals and structure of one e-invoice."""

    syntax: str
    profile: str = ""
    number: str = ""
    type_code: str = ""
    currency: str = ""
    seller_name: str = ""
    seller_legal_ids: list = field(default_factory=list)
    seller_vat: str = ""
    buyer_name: str = ""
    buyer_legal_ids: list = field(default_factory=list)
    buyer_vat: str = ""
    buyer_country: str = ""
    tax_basis_total: Decimal | None = None
    tax_total: Decimal | None = None
    grand_total: Decimal | None = None
    line_count: int = 0
    vat_breakdowns: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    # BG-3: BT-25 numbers of the invoices a credit note corrects.
    invoice_references: list = field(default_factory=list)

    @property
    def has_no_lines_by_design(self):
        """MINIMUM and BASIC WL carry totals only (Factur-X 1.0 §4)."""
        return self.profile in (PROFILE_MINIMUM, PROFILE_BASICWL)


def extract_xml(raw):
    """Return the XML bytes of ``raw``: the file itself or the XML embedded
    in a Factur-X / ZUGFeRD PDF.

    :raise EinvoiceReadError: ``pdf_unreadable`` or ``pdf_without_xml``
    """
    if not raw.startswith(b"%PDF"):
        return raw
    try:
        reader = OdooPdfFileReader(io.BytesIO(raw), strict=False)
        attachments = dict(reader.getAttachments())
    # pypdf raises many unrelated types on damaged files: all mean unreadable.
    except Exception as error:
        raise EinvoiceReadError("pdf_unreadable", str(error)) from error
    for name in EMBEDDED_XML_NAMES:
        if name in attachments:
            return attachments[name]
    raise EinvoiceReadError("pdf_without_xml", ", ".join(sorted(attachments)))


def parse_xml(xml_bytes):
    """Parse without network, DTD or entity expansion (untrusted input).

    :raise EinvoiceReadError: ``xml_syntax`` with lxml's message
    """
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, remove_comments=True
    )
    try:
        return etree.fromstring(xml_bytes, parser=parser)
    except etree.XMLSyntaxError as error:
        raise EinvoiceReadError("xml_syntax", error.msg) from error


def read_facts(root):
    """Read the facts of a CII or UBL document.

    :raise EinvoiceReadError: ``unknown_syntax``
    """
    if root.tag == f"{CII_ROOT}CrossIndustryInvoice":
        return _read_cii(root)
    if root.tag in UBL_ROOTS:
        return _read_ubl(root)
    raise EinvoiceReadError("unknown_syntax", etree.QName(root).localname)


def check_lines(facts):
    """Check every CII line amount against the EN 16931 line arithmetic.

    No EN 16931 schematron rule checks BT-131 against BT-129 x BT-146, so a
    wrong price passes every official check (cases/real/broken): the check
    is ours. Amounts are decimals, never floats (BR-CO-10 rounding case).

    :return: list of LineCheck, one per line with a net price and an amount
    """
    return [
        check_line(line)
        for line in facts.lines
        if line.net_price is not None and line.line_total is not None
    ]


def check_line(line):
    """Which reading of ``line`` gives its net amount BT-131, if any.

    EN 16931-1 (line net amount): BT-131 = BT-129 x (BT-146 / BT-149)
    + BT-141 - BT-136, where BT-141/BT-136 are the line charges and
    allowances (CII SpecifiedLineTradeSettlement/SpecifiedTradeAllowanceCharge)
    and BT-129 may be negative (returns). Two further readings are accepted
    because the header totals, which the schematron checks (BR-CO-10 to 16),
    are built on BT-131 and confirm it:

    - ``return``: the minus sign is on BT-131 only (BR-27 forbids a negative
      net price, so an unsigned quantity is the only other place for it);
    - ``price_per_unit``: the price base quantity BT-149 does not fit the
      amounts and the price is per unit (BT-149 read as 1).

    :return: a LineCheck whose ``reading`` is None when nothing fits
    """
    readings = (
        ("standard", line.basis_quantity, 1),
        ("return", line.basis_quantity, -1),
        ("price_per_unit", Decimal(1), 1),
    )
    standard = _line_amount(line, line.basis_quantity, 1)
    for reading, basis, sign in readings:
        computed = _line_amount(line, basis, sign)
        if abs(computed - line.line_total) <= _line_tolerance(line, basis):
            return LineCheck(line, reading, computed, sign)
    return LineCheck(line, None, standard, 1)


def _line_amount(line, basis, sign):
    quantity = line.quantity * sign
    amount = quantity * line.net_price / basis + line.charges - line.allowances
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _line_tolerance(line, basis):
    # The file states its net price to some decimals: a price rounded there
    # may hide half a unit of its last decimal per unit billed (FNFE: 20 x
    # 4.10 for 81.90, the price being 4.095), plus the half cent of BT-131.
    half_unit = Decimal(5).scaleb(-line.price_decimals - 1)
    return HALF_CENT + abs(line.quantity / basis) * half_unit


def _decimal(text):
    if text is None or not text.strip():
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation as error:
        raise EinvoiceReadError("bad_number", text) from error


def _decimals(text):
    """Number of decimals written in ``text`` (2 for "4.10", 0 for "35")."""
    __, __, fraction = text.partition(".")
    return len(fraction)


def _amount(node, path):
    return _decimal(node.findtext(path, namespaces=NS))


def _text(node, path):
    return (node.findtext(path, namespaces=NS) or "").strip()


def _read_cii(root):
    agreement = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
    seller = root.find(f"{agreement}/ram:SellerTradeParty", NS)
    buyer = root.find(f"{agreement}/ram:BuyerTradeParty", NS)
    facts = EinvoiceFacts(
        syntax="cii",
        profile=_text(
            root,
            "rsm:ExchangedDocumentContext/"
            "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        ),
        number=_text(root, "rsm:ExchangedDocument/ram:ID"),
        type_code=_text(root, "rsm:ExchangedDocument/ram:TypeCode"),
        currency=_text(root, f"{_CII_SETTLEMENT}/ram:InvoiceCurrencyCode"),
        tax_basis_total=_amount(root, f"{_CII_TOTALS}/ram:TaxBasisTotalAmount"),
        grand_total=_amount(root, f"{_CII_TOTALS}/ram:GrandTotalAmount"),
    )
    facts.tax_total = _cii_tax_total(root, facts.currency)
    if seller is not None:
        _read_cii_party(seller, facts, "seller")
    if buyer is not None:
        _read_cii_party(buyer, facts, "buyer")
    facts.vat_breakdowns = [
        _read_cii_breakdown(node)
        for node in root.iterfind(f"{_CII_SETTLEMENT}/ram:ApplicableTradeTax", NS)
    ]
    facts.invoice_references = [
        _text(node, "ram:IssuerAssignedID")
        for node in root.iterfind(
            f"{_CII_SETTLEMENT}/ram:InvoiceReferencedDocument", NS
        )
    ]
    line_nodes = root.findall(
        "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem", NS
    )
    facts.line_count = len(line_nodes)
    facts.lines = [read_cii_line(node) for node in line_nodes]
    return facts


def _cii_tax_total(root, currency):
    # BT-110 may appear twice when BT-6 differs (tax currency): keep the
    # amount in the invoice currency (CII_example5).
    nodes = root.findall(f"{_CII_TOTALS}/ram:TaxTotalAmount", NS)
    for node in nodes:
        if node.get("currencyID") in (None, currency):
            return _decimal(node.text)
    return _decimal(nodes[0].text) if nodes else None


def _read_cii_party(party, facts, role):
    legal_ids = [
        (node.get("schemeID") or "", (node.text or "").strip())
        for node in party.iterfind("ram:SpecifiedLegalOrganization/ram:ID", NS)
    ] + [
        (node.get("schemeID") or "", (node.text or "").strip())
        for node in party.iterfind("ram:GlobalID", NS)
    ]
    vat = ""
    for node in party.iterfind("ram:SpecifiedTaxRegistration/ram:ID", NS):
        if node.get("schemeID") == "VA":
            vat = (node.text or "").strip()
    setattr(facts, f"{role}_name", _text(party, "ram:Name"))
    setattr(facts, f"{role}_legal_ids", legal_ids)
    setattr(facts, f"{role}_vat", vat)
    if role == "buyer":
        facts.buyer_country = _text(party, "ram:PostalTradeAddress/ram:CountryID")


def _read_cii_breakdown(node):
    return VatBreakdown(
        category=_text(node, "ram:CategoryCode"),
        rate=_amount(node, "ram:RateApplicablePercent") or Decimal(0),
        basis=_amount(node, "ram:BasisAmount") or Decimal(0),
        amount=_amount(node, "ram:CalculatedAmount") or Decimal(0),
        exemption_reason=_text(node, "ram:ExemptionReasonCode")
        or _text(node, "ram:ExemptionReason"),
    )


def read_cii_line(node):
    """The arithmetic of one CII IncludedSupplyChainTradeLineItem."""
    agreement = "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice"
    settlement = "ram:SpecifiedLineTradeSettlement"
    allowances = charges = Decimal(0)
    for charge in node.iterfind(f"{settlement}/ram:SpecifiedTradeAllowanceCharge", NS):
        amount = _amount(charge, "ram:ActualAmount") or 0
        if _text(charge, "ram:ChargeIndicator/udt:Indicator").lower() == "true":
            charges += amount
        else:
            allowances += amount
    price_text = _text(node, f"{agreement}/ram:ChargeAmount")
    return LineArithmetic(
        line_id=_text(node, "ram:AssociatedDocumentLineDocument/ram:LineID"),
        name=_text(node, "ram:SpecifiedTradeProduct/ram:Name"),
        price_decimals=_decimals(price_text),
        quantity=_amount(node, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
        or Decimal(0),
        net_price=_amount(node, f"{agreement}/ram:ChargeAmount"),
        basis_quantity=_amount(node, f"{agreement}/ram:BasisQuantity") or Decimal(1),
        allowances=allowances,
        charges=charges,
        line_total=_amount(
            node,
            f"{settlement}/ram:SpecifiedTradeSettlementLineMonetarySummation/"
            "ram:LineTotalAmount",
        ),
    )


def _read_ubl(root):
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    facts = EinvoiceFacts(
        syntax="ubl",
        profile=_text(root, "cbc:CustomizationID"),
        number=_text(root, "cbc:ID"),
        type_code=_text(root, "cbc:InvoiceTypeCode")
        or _text(root, "cbc:CreditNoteTypeCode"),
        currency=_text(root, "cbc:DocumentCurrencyCode"),
        tax_basis_total=_amount(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount"),
        tax_total=_amount(root, "cac:TaxTotal/cbc:TaxAmount"),
        grand_total=_amount(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"),
        line_count=len(root.findall("cac:InvoiceLine", NS))
        + len(root.findall("cac:CreditNoteLine", NS)),
    )
    for party, role in ((seller, "seller"), (buyer, "buyer")):
        if party is not None:
            _read_ubl_party(party, facts, role)
    return facts


def _read_ubl_party(party, facts, role):
    legal_ids = [
        (node.get("schemeID") or "", (node.text or "").strip())
        for node in party.iterfind("cac:PartyLegalEntity/cbc:CompanyID", NS)
    ] + [
        (node.get("schemeID") or "", (node.text or "").strip())
        for node in party.iterfind("cac:PartyIdentification/cbc:ID", NS)
    ]
    endpoint = party.find("cbc:EndpointID", NS)
    if endpoint is not None:
        legal_ids.append((endpoint.get("schemeID") or "", (endpoint.text or "")))
    setattr(
        facts, f"{role}_name", _text(party, "cac:PartyLegalEntity/cbc:RegistrationName")
    )
    setattr(facts, f"{role}_legal_ids", legal_ids)
    setattr(facts, f"{role}_vat", _text(party, "cac:PartyTaxScheme/cbc:CompanyID"))
    if role == "buyer":
        facts.buyer_country = _text(
            party, "cac:PostalAddress/cac:Country/cbc:IdentificationCode"
        )
