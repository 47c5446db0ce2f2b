"""Embed a Factur-X XML into an invoice PDF, as a PDF/A-3 file.

Factur-X 1.0 (section 7) asks for exactly one embedded ``factur-x.xml``
(MIME ``text/xml``, ``/AFRelationship /Data``), listed both in the catalog
``/AF`` array and in ``/Names/EmbeddedFiles``, and XMP metadata whose
``fx:ConformanceLevel`` matches the profile declared in BT-24. Odoo always
writes ``EXTENDED`` and may embed the XML several times when a PDF is
re-stamped: this module rebuilds the container from the rendered pages.
"""

import io

from lxml import etree

from odoo.tools.pdf import (
    DictionaryObject,
    NameObject,
    NumberObject,
    OdooPdfFileReader,
    OdooPdfFileWriter,
)

FACTURX_FILENAME = "factur-x.xml"
XMP_NAMESPACES = {
    "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
}


def fix_xmp(xmp, conformance_level):
    """Return the XMP packet with our conformance level and PDF/A-3B.

    :param xmp: the XMP metadata rendered by Odoo (str or bytes)
    :param conformance_level: ``EN 16931`` or ``EXTENDED`` (BT-24)
    :return: bytes
    """
    if isinstance(xmp, str):
        xmp = xmp.encode()
    tree = etree.fromstring(xmp)
    for node in tree.iterfind(".//fx:ConformanceLevel", XMP_NAMESPACES):
        node.text = conformance_level
    # Odoo claims level A (accessible); the rendered pages meet level B.
    for node in tree.iterfind(".//pdfaid:conformance", XMP_NAMESPACES):
        node.text = "B"
    return etree.tostring(tree, encoding="utf-8")


def embed_facturx(pdf_bytes, xml_bytes, xmp_bytes):
    """Return a PDF/A-3 copy of ``pdf_bytes`` embedding only ``xml_bytes``.

    Earlier embedded files (a previous stamp of the same invoice) are
    dropped, so the result always holds exactly one ``factur-x.xml``.
    """
    reader = OdooPdfFileReader(io.BytesIO(pdf_bytes), strict=False)
    writer = OdooPdfFileWriter()
    writer.cloneReaderDocumentRoot(reader)
    _drop_embedded_files(writer)
    if not writer.is_pdfa:
        _ensure_outlines(writer)
        writer.convert_to_pdfa()
    writer.add_attachment(FACTURX_FILENAME, xml_bytes, subtype="text/xml")
    writer.add_file_metadata(xmp_bytes)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _ensure_outlines(writer):
    # Odoo's PDF/A conversion marks the outline dictionary, which a page
    # rendered without headings lacks.
    root = writer._root_object
    if "/Outlines" not in root:
        outlines = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Outlines"),
                NameObject("/Count"): NumberObject(0),
            }
        )
        root[NameObject("/Outlines")] = writer._addObject(outlines)


def _drop_embedded_files(writer):
    root = writer._root_object
    root.pop(NameObject("/AF"), None)
    names = root.get("/Names")
    if names is not None:
        names.get_object().pop(NameObject("/EmbeddedFiles"), None)


def get_embedded_files(pdf_bytes):
    """Return ``{name: (bytes, afrelationship, subtype)}`` of a PDF and the
    names listed in the catalog ``/AF`` array (for tests and checks).
    """
    reader = OdooPdfFileReader(io.BytesIO(pdf_bytes), strict=False)
    root = reader.trailer["/Root"]
    files = {}
    names = root.get("/Names", {}).get("/EmbeddedFiles", {}).get("/Names", [])
    for index in range(0, len(names), 2):
        spec = names[index + 1].get_object()
        stream = spec["/EF"]["/F"].get_object()
        files[str(names[index])] = (
            stream.get_data(),
            str(spec.get("/AFRelationship")),
            str(stream.get("/Subtype")),
        )
    af_names = [str(item.get_object()["/F"]) for item in root.get("/AF", [])]
    return files, af_names


def get_xmp(pdf_bytes):
    """Return the XMP metadata of a PDF (bytes), or None."""
    reader = OdooPdfFileReader(io.BytesIO(pdf_bytes), strict=False)
    metadata = reader.trailer["/Root"].get("/Metadata")
    return metadata.get_object().get_data() if metadata is not None else None
