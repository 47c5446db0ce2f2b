"""Check a draft uploaded by a client on the portal: extension, content, size.

No ORM here: the controller calls ``check_upload`` for each file before the
model creates anything, so that a refused file leaves nothing behind.
"""

import io
import zipfile

# Below the 10 MB the HTTP layer keeps in memory for a form
MAX_UPLOAD_SIZE = 8 * 1024 * 1024

# Extension -> (kind, mimetype). The content must match the kind.
ALLOWED_EXTENSIONS = {
    "pdf": ("pdf", "application/pdf"),
    "png": ("png", "image/png"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "xlsx": (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "ods": ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    "csv": ("csv", "text/csv"),
}
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


class UploadError(Exception):
    """The file is refused; ``code`` names the rule broken."""

    def __init__(self, code, filename):
        super().__init__(code, filename)
        self.code = code
        self.filename = filename


def check_upload(filename, raw, max_size=MAX_UPLOAD_SIZE):
    """Return the mimetype of an accepted draft.

    :raise UploadError: ``empty``, ``too_large``, ``extension`` (not an
        accepted type) or ``content`` (the content is not what the extension
        says)
    """
    if not raw:
        raise UploadError("empty", filename)
    if len(raw) > max_size:
        raise UploadError("too_large", filename)
    name = filename or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise UploadError("extension", filename)
    kind, mimetype = ALLOWED_EXTENSIONS[extension]
    if not SNIFFERS[kind](raw):
        raise UploadError("content", filename)
    return mimetype


def _is_pdf(raw):
    # Readers accept the header within the first 1024 bytes (ISO 32000-1 7.5.2)
    return b"%PDF-" in raw[:1024]


def _is_png(raw):
    return raw.startswith(b"\x89PNG\r\n\x1a\n")


def _is_jpeg(raw):
    return raw.startswith(b"\xff\xd8\xff")


def _is_xlsx(raw):
    if not raw.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def _is_ods(raw):
    if not raw.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return archive.read("mimetype").strip() == ODS_MIMETYPE
    except (zipfile.BadZipFile, KeyError, ValueError):
        return False


def _is_csv(raw):
    # A CSV is text: no NUL byte, and UTF-8 or the cp1252 of French Excel.
    if b"\x00" in raw:
        return False
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            raw.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


SNIFFERS = {
    "pdf": _is_pdf,
    "png": _is_png,
    "jpeg": _is_jpeg,
    "xlsx": _is_xlsx,
    "ods": _is_ods,
    "csv": _is_csv,
}
