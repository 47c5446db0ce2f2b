"""End to end: the Factur-X validation gate under Odoo's default memory limits.

saxonche reserves tens of GB of address space and dies under Odoo's default
``limit_memory_hard`` (DOMAIN section 5): the gate must run it in a separate
process. This test starts a real Odoo server, threaded and then with
``--workers=2``, without touching the memory limits, and validates an
invoice over JSON-RPC.

The database is ``ODOO_DB`` when set (both addons installed, as in CI), else a
fresh one created here and dropped at the end. The addons path is
``ODOO_ADDONS_PATH`` when set, else Odoo's own addons (found through
``import odoo``) and this repository's.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

SETUP_SCRIPT = textwrap.dedent(
    """
    import base64
    from odoo import Command

    env = env(context=dict(env.context, tracking_disable=True))
    admin = env.ref("base.user_admin")
    admin.group_ids |= env.ref("cabinet_fullservice.cabinet_fullservice_group_manager")
    company = env["res.company"].create({
        "name": "Atelier Fictif SARL (e2e %(tag)s)",
        "company_registry": "12345678200010",
        "vat": "FR11123456782",
        "street": "12 rue de l'Exemple", "zip": "69001", "city": "Lyon",
        "country_id": env.ref("base.fr").id,
        "cabinet_is_client": True,
        "cabinet_firm_id": env.ref("base.main_company").id,
    })
    admin.company_ids |= company
    env["account.chart.template"].try_loading("fr", company=company, install_demo=False)
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    mandate = env["cabinet.billing.mandate"].create({
        "company_id": company.id, "firm_id": env.ref("base.main_company").id,
        "signature_date": "2026-01-01", "date_start": "2026-01-01",
        "signed_document": base64.b64encode(b"%%PDF-1.4 signed"),
        "signed_filename": "mandate.pdf", "platform_consent": True,
    })
    mandate.action_activate()
    buyer = env["res.partner"].create({
        "name": "Client Modele SA", "is_company": True,
        "company_registry": "98765432400019", "vat": "FR14987654324",
        "street": "5 avenue du Test", "zip": "75011", "city": "Paris",
        "country_id": env.ref("base.fr").id,
    })
    tax = env["account.tax"].search([
        ("company_id", "=", company.id), ("type_tax_use", "=", "sale"),
        ("amount", "=", 20.0), ("price_include", "=", False)], limit=1)
    invoice = env["account.move"].create({
        "move_type": "out_invoice", "company_id": company.id,
        "partner_id": buyer.id, "invoice_date": "2026-09-01",
        "invoice_line_ids": [Command.create({
            "name": "Conseil", "quantity": 1, "price_unit": 100.0,
            "tax_ids": [Command.set(tax.ids)]})],
    })
    invoice.action_post()
    env.cr.commit()
    print("E2E_INVOICE_ID=%%s" %% invoice.id)
    """
)


def _odoo_command():
    """odoo-bin of the importable Odoo, and its addons folder."""
    import odoo

    # odoo is a namespace package: its source is the folder with release.py.
    package = next(
        Path(path) for path in odoo.__path__ if Path(path, "release.py").is_file()
    )
    source = package.resolve().parent
    if (source / "odoo-bin").is_file():
        command = [sys.executable, str(source / "odoo-bin")]
    else:
        command = [sys.executable, "-m", "odoo"]
    addons = os.environ.get("ODOO_ADDONS_PATH")
    if not addons:
        folders = [source / "addons", ROOT / "addons"]
        addons = ",".join(str(folder) for folder in folders if folder.is_dir())
    return command, addons


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def odoo_setup():
    try:
        command, addons = _odoo_command()
    except ImportError:
        pytest.skip("Odoo is not importable")
    database = os.environ.get("ODOO_DB")
    created = not database
    if created:
        database = f"cabinet_e2e_{uuid.uuid4().hex[:8]}"
        subprocess.run(
            [
                *command,
                "server",
                f"--addons-path={addons}",
                "-d",
                database,
                "-i",
                "cabinet_fullservice",
                "--stop-after-init",
                "--without-demo=all",
                "--http-interface=127.0.0.1",
                f"--http-port={_free_port()}",
                "--log-level=warn",
            ],
            check=True,
            capture_output=True,
            timeout=1800,
        )
    script = SETUP_SCRIPT % {"tag": uuid.uuid4().hex[:6]}
    shell = subprocess.run(
        [
            *command,
            "shell",
            f"--addons-path={addons}",
            "-d",
            database,
            "--log-level=warn",
            "--no-http",
        ],
        check=False,
        input=script,
        text=True,
        capture_output=True,
        timeout=900,
    )
    ids = [line for line in shell.stdout.splitlines() if line.startswith("E2E_")]
    assert ids, shell.stdout[-2000:] + shell.stderr[-4000:]
    yield command, addons, database, int(ids[-1].split("=")[1])
    if created:
        subprocess.run(["dropdb", "--if-exists", database], check=False)


def _rpc(port, service, method, *args):
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {"service": service, "method": method, "args": args},
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/jsonrpc",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        answer = json.loads(response.read())
    assert "error" not in answer, answer["error"]
    return answer["result"]


def _start_server(command, addons, database, extra, log):
    port = _free_port()
    process = subprocess.Popen(
        [
            *command,
            "server",
            f"--addons-path={addons}",
            "-d",
            database,
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            f"--gevent-port={_free_port()}",
            "--max-cron-threads=0",
            "--log-level=warn",
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            _rpc(port, "common", "version")
            return process, port
        except OSError as err:
            if process.poll() is not None:
                log.seek(0)
                raise AssertionError(log.read().decode()[-4000:]) from err
            time.sleep(1)
    _stop(process)
    raise AssertionError("Odoo did not answer within 180 s")


def _stop(process):
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.parametrize("mode", [[], ["--workers=2"]], ids=["threaded", "workers"])
def test_gate_validates_under_default_memory_limits(odoo_setup, mode, tmp_path):
    command, addons, database, invoice_id = odoo_setup
    login = os.environ.get("ODOO_LOGIN", "admin")
    password = os.environ.get("ODOO_PASSWORD", "admin")
    log = tmp_path.joinpath("odoo.log").open("w+b")
    process, port = _start_server(command, addons, database, mode, log)
    try:
        uid = _rpc(port, "common", "login", database, login, password)
        assert uid
        model, kwargs = "account.move", {"context": {"lang": "en_US"}}
        _rpc(
            port,
            "object",
            "execute_kw",
            database,
            uid,
            password,
            model,
            "action_cabinet_validate",
            [[invoice_id]],
            kwargs,
        )
        [record] = _rpc(
            port,
            "object",
            "execute_kw",
            database,
            uid,
            password,
            model,
            "read",
            [[invoice_id]],
            {"fields": ["cabinet_validation_state", "cabinet_validation_report"]},
        )
        assert record["cabinet_validation_state"] == "valid", record
        assert process.poll() is None, "the server died during validation"
    finally:
        _stop(process)
