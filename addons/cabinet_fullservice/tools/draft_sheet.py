"""Read the draft invoice spreadsheet (CSV or XLSX) into plain rows.

No ORM here: the import wizard checks the values against the database.
"""

import csv
import datetime
import io
from decimal import Decimal, InvalidOperation

COLUMNS = (
    "client_siren",
    "invoice_ref",
    "move_type",
    "invoice_date",
    "due_date",
    "currency",
    "customer_name",
    "customer_siret",
    "customer_vat",
    "customer_street",
    "customer_zip",
    "customer_city",
    "customer_country",
    "customer_email",
    "line_description",
    "quantity",
    "unit_price",
    "vat_rate",
    "vat_exemption_reason",
)
REQUIRED_COLUMNS = (
    "client_siren",
    "invoice_ref",
    "invoice_date",
    "customer_name",
    "line_description",
    "quantity",
    "unit_price",
    "vat_rate",
)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


class SheetError(Exception):
    """The file cannot be read as a table; ``code`` names the reason."""

    def __init__(self, code, detail=""):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


def read_rows(raw, filename):
    """Return (header, rows): rows are (sheet row number, {column: value}).

    :raise SheetError: ``unreadable`` or ``missing_columns``
    """
    if raw[:2] == b"PK" or (filename or "").lower().endswith(".xlsx"):
        table = _read_xlsx(raw)
    else:
        table = _read_csv(raw)
    if not table:
        raise SheetError("unreadable", "empty file")
    header = [str(cell or "").strip().lower() for cell in table[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise SheetError("missing_columns", ", ".join(missing))
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = dict(zip(header, cells, strict=False))
        if any(_is_filled(value) for value in values.values()):
            rows.append((number, values))
    return header, rows


def _is_filled(value):
    return value is not None and str(value).strip() != ""


def _read_csv(raw):
    # Spreadsheets save CSV as UTF-8 (with or without BOM) or, in French
    # Excel, as cp1252 with ";" separators.
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(raw):
    from openpyxl import load_workbook  # imported late: only XLSX needs it

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zip, XML and key errors
        raise SheetError("unreadable", str(error)) from error
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def parse_decimal(value):
    """A Decimal from 1234.5, "1 234,50" or "1234.50"; None if not a number."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(str(value))
    text = str(value or "").strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." in text:
        text = text.replace(".", "")
    text = text.replace(",", ".")
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def parse_date(value):
    """A date from YYYY-MM-DD, DD/MM/YYYY or a spreadsheet date; else None."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    return None


def cell_text(value):
    """The cell as stripped text; spreadsheet integers lose their ".0"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""
