"""Tests of the out-of-process validator (tools/validator*.py), plain pytest."""

import importlib.util
import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "addons" / "cabinet_fullservice" / "tools"
SERVICE = TOOLS / "validator_service.py"
SHARED = Path(
    os.environ.get("CABINET_SHARED_DIR")
    or Path(__file__).resolve().parents[2] / "shared"
)
CASES = SHARED / "cases" / "real"
CDAR = SHARED / "afnor" / "cdar"

# Odoo's default limit_memory_hard, applied as the RLIMIT_AS soft limit.
ODOO_LIMIT_MEMORY_HARD = 2684354560

CDAR_NS = (
    "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
)


def _load_validator():
    spec = importlib.util.spec_from_file_location(
        "cabinet_validator_under_test", TOOLS / "validator.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


validator = _load_validator()


def _case(relative):
    path = CASES / relative
    if not path.is_file():
        pytest.skip(f"shared case {path} not available")
    return path.read_bytes()


def _rules(findings):
    return Counter((item.check, item.rule) for item in findings)


@pytest.fixture(scope="module")
def client():
    client = validator.ValidatorClient(timeout=120)
    yield client
    client.close()


# ----------------------------------------------------------------------
# Verdicts on real documents
# ----------------------------------------------------------------------


def test_ping_answers_with_child_pid(client):
    answer = client.ping()
    assert answer["ok"] and answer["pong"]
    assert answer["pid"] == client.child_pid


def test_cen_example_passes_en16931_profile(client):
    report = client.validate(_case("en16931-cii/CII_example1.xml"), ["facturx-en16931"])
    assert report.ok
    assert report.fatal == []
    # The example has empty elements, a warning-level PEPPOL rule.
    assert _rules(report.warnings) == {("facturx-en16931", "PEPPOL-EN16931-R008"): 1}
    assert report.warnings[0].flag == "warning"
    assert report.warnings[0].kind == "schematron"


def test_cen_example_fails_french_ctc_rules(client):
    xml = _case("en16931-cii/CII_example1.xml")
    report = client.validate(xml, validator.facturx_checks("en16931"))
    assert not report.ok
    # A Dutch invoice: no PMT/PMD/AAB notes, BT-23, SIREN, addresses, and
    # Dutch VAT rates (6 %, 21 %) on 20 lines and 2 breakdowns.
    assert _rules(report.fatal) == {
        ("br-fr", "BR-FR-05_BT-22_PMT"): 1,
        ("br-fr", "BR-FR-05_BT-22_PMD"): 1,
        ("br-fr", "BR-FR-05_BT-22_AAB"): 1,
        ("br-fr", "BR-FR-08_BT-23"): 1,
        ("br-fr", "BR-FR-10_BT-30"): 1,
        ("br-fr", "BR-FR-12_BT-49"): 1,
        ("br-fr", "BR-FR-13_BT-34"): 1,
        ("br-fr", "BR-FR-16_BT-152"): 20,
        ("br-fr", "BR-FR-16_BT-119"): 2,
    }
    assert {item.flag for item in report.fatal} == {"fatal"}
    assert all(item.location.startswith("/") for item in report.fatal)


def test_broken_net_price_is_not_caught_by_en16931(client):
    # No EN 16931 rule checks quantity x net price against the line amount.
    xml = _case("broken/noNetPriceValidation.xml")
    report = client.validate(xml, ["facturx-en16931"])
    assert report.ok
    assert report.fatal == report.warnings == []


def test_broken_net_price_fails_extended_and_french_rules(client):
    xml = _case("broken/noNetPriceValidation.xml")
    report = client.validate(xml, ["facturx-extended", "br-fr"])
    assert not report.ok
    assert _rules(report.fatal) == {
        # BT-24 declares EN 16931, not the EXTENDED URN.
        ("facturx-extended", "FX-SCH-A-000636"): 1,
        ("br-fr", "BR-FR-05_BT-22_PMT"): 1,
        ("br-fr", "BR-FR-05_BT-22_PMD"): 1,
        ("br-fr", "BR-FR-05_BT-22_AAB"): 1,
        ("br-fr", "BR-FR-08_BT-23"): 1,
        ("br-fr", "BR-FR-10_BT-30"): 1,
        ("br-fr", "BR-FR-12_BT-49"): 1,
        ("br-fr", "BR-FR-13_BT-34"): 1,
        ("br-fr", "BR-FR-16_BT-152"): 1,
        ("br-fr", "BR-FR-16_BT-119"): 1,
    }


def test_xsd_error_is_fatal(client):
    xml = _case("en16931-cii/CII_example1.xml").replace(
        b"</rsm:ExchangedDocument>", b"<rsm:Bogus/></rsm:ExchangedDocument>", 1
    )
    report = client.validate(xml, ["facturx-en16931"])
    assert not report.ok
    xsd = [item for item in report.fatal if item.kind == "xsd"]
    assert [item.rule for item in xsd] == ["XSD"]
    assert "Bogus" in xsd[0].message


def test_malformed_xml_is_a_fatal_xml_failure(client):
    report = client.validate(b"<a><b></a>", validator.facturx_checks("extended"))
    assert not report.ok
    assert [(item.check, item.rule, item.kind) for item in report.fatal] == [
        ("xml", "XML", "xml")
    ]
    assert report.fatal[0].location == "line 1, column 11"


def test_doctype_is_refused(client):
    xml = b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'
    report = client.validate(xml, ["br-fr"])
    assert [item.rule for item in report.fatal] == ["XML"]
    assert "DOCTYPE" in report.fatal[0].message


def test_generic_xsd_and_xslt_checks_on_cdar(client):
    if not CDAR.is_dir():
        pytest.skip("shared CDAR artefacts not available")
    xml = f'<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm="{CDAR_NS}">'
    xml += "<rsm:ExchangedDocument/></rsm:CrossDomainAcknowledgementAndResponse>"
    checks = [
        {"xsd": CDAR / "xsd" / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"},
        {"xslt": CDAR / "xslt" / "BR-FR-CDV-Schematron-CDAR.xslt", "name": "cdv"},
        {
            "xslt": CDAR / "xslt" / "BR-FR-CDV-Schematron-CDAR_WARNING.xslt",
            "name": "cdv-warning",
        },
    ]
    report = client.validate(xml.encode(), checks)
    assert not report.ok
    assert ("cdv", "BR-FR-CDV-03_MDT-4") in _rules(report.fatal)
    assert ("cdv-warning", "BR-FR-CDV-03_MDT-4") in _rules(report.warnings)
    assert all(item.check != "cdv-warning" for item in report.fatal)
    assert "XSD" in {item.rule for item in report.fatal}
    assert report.checks[1:] == ["cdv", "cdv-warning"]


# ----------------------------------------------------------------------
# Report object
# ----------------------------------------------------------------------


def test_report_round_trips_through_json(client):
    xml = _case("en16931-cii/CII_example1.xml")
    report = client.validate(xml, validator.facturx_checks("EN 16931"))
    stored = json.loads(json.dumps(report.to_dict()))
    assert validator.ValidationReport.from_dict(stored) == report
    text = report.format_text()
    assert text.startswith("Validation INVALID: 29 fatal, 1 warning(s)")
    assert "FATAL [br-fr] BR-FR-08_BT-23:" in text
    assert "WARNING [facturx-en16931] PEPPOL-EN16931-R008:" in text


def test_facturx_checks_by_profile():
    assert validator.facturx_checks("en16931") == ["facturx-en16931", "br-fr"]
    assert validator.facturx_checks("EXTENDED") == ["facturx-extended", "br-fr"]
    with pytest.raises(ValueError):
        validator.facturx_checks("minimum")


# ----------------------------------------------------------------------
# Robustness of the process
# ----------------------------------------------------------------------


def test_service_survives_bad_requests():
    requests = [
        "not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "unknown", "xml": "", "checks": ["nope"]}),
        json.dumps({"id": "b64", "xml": "%%%", "checks": ["br-fr"]}),
        json.dumps({"id": "ping", "ping": True}),
    ]
    done = subprocess.run(
        [sys.executable, str(SERVICE)],
        input="\n".join(requests) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [answer["id"] for answer in answers] == [
        None,
        None,
        "unknown",
        "b64",
        "ping",
    ]
    assert [answer["ok"] for answer in answers] == [False] * 4 + [True]
    assert all(answer["error"] for answer in answers[:4])
    assert "unknown check 'nope'" in answers[2]["error"]


def test_refused_request_keeps_the_child(client):
    pid = client.child_pid or client.ping()["pid"]
    with pytest.raises(validator.ValidatorError, match="unknown check"):
        client.validate(b"<a/>", ["no-such-check"])
    assert client.ping()["pid"] == pid


def test_killed_child_is_restarted_and_request_retried():
    xml = _case("broken/noNetPriceValidation.xml")
    client = validator.ValidatorClient(timeout=120)
    try:
        first_pid = client.ping()["pid"]
        os.kill(first_pid, signal.SIGKILL)
        os.waitpid(first_pid, 0)
        report = client.validate(xml, ["facturx-en16931"])
        assert report.ok
        assert client.child_pid not in (None, first_pid)
    finally:
        client.close()


def test_timeout_raises_unavailable_and_kills_the_child():
    hung = [sys.executable, "-c", "import time; time.sleep(60)"]
    client = validator.ValidatorClient(command=hung, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(validator.ValidatorUnavailable, match="within 0.5 s"):
        client.validate(b"<a/>", ["br-fr"])
    assert time.monotonic() - started < 10
    assert client.child_pid is None


def test_service_that_cannot_start_raises_unavailable():
    client = validator.ValidatorClient(command=[sys.executable, "-c", "exit(3)"])
    with pytest.raises(validator.ValidatorUnavailable, match="exited with code 3"):
        client.ping(timeout=10)


def test_forked_process_gets_its_own_child(client):
    parent_child = client.child_pid or client.ping()["pid"]
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked process
        code = 1
        try:
            answer = client.ping(timeout=60)
            os.write(write_fd, str(answer["pid"]).encode())
            client.close()
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    forked_child = int(os.read(read_fd, 64) or 0)
    os.close(read_fd)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert forked_child not in (0, parent_child)
    assert client.ping()["pid"] == parent_child


# ----------------------------------------------------------------------
# Under Odoo's address-space limit
# ----------------------------------------------------------------------


def _run_limited(code):
    """Run ``code`` in a fresh Python whose RLIMIT_AS soft limit is Odoo's."""
    prelude = textwrap.dedent(
        f"""
        import resource
        _soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, ({ODOO_LIMIT_MEMORY_HARD}, _hard))
        """
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_in_process_saxon_dies_under_odoo_memory_limit():
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    if hard != resource.RLIM_INFINITY and hard < ODOO_LIMIT_MEMORY_HARD:
        pytest.skip("hard RLIMIT_AS below Odoo's default")
    done = _run_limited(
        """
        import saxonche
        saxonche.PySaxonProcessor(license=False)
        print("processor created")
        """
    )
    assert done.returncode != 0
    assert "processor created" not in done.stdout
    assert "graal_create_isolate" in done.stderr


def test_client_validates_under_odoo_memory_limit():
    path = CASES / "en16931-cii" / "CII_example1.xml"
    if not path.is_file():
        pytest.skip(f"shared case {path} not available")
    done = _run_limited(
        f"""
        import importlib.util, json
        spec = importlib.util.spec_from_file_location(
            "validator", {str(TOOLS / "validator.py")!r})
        validator = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(validator)
        with open({str(path)!r}, "rb") as xml:
            report = validator.validate(xml.read(), ["facturx-en16931", "br-fr"])
        print(json.dumps({{
            "soft": resource.getrlimit(resource.RLIMIT_AS)[0],
            "ok": report.ok,
            "fatal": len(report.fatal),
            "warnings": len(report.warnings),
        }}))
        """
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result == {
        "soft": ODOO_LIMIT_MEMORY_HARD,
        "ok": False,
        "fatal": 29,
        "warnings": 1,
    }
