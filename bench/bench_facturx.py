"""Benchmark: generate and validate one Factur-X XML, inside Odoo.

Creates a client company under a mandate and N posted invoices in a scratch
database through ``odoo-bin shell``, then times, per invoice, the XML
generation (``_cabinet_build_facturx_xml``) and its validation (XSD,
Factur-X schematron, BR-FR in the validator process), after one warm-up.
Prints median and p90 in milliseconds. The transaction is rolled back: the
database is left as found, and nothing is written into the repository.

Usage: python3 bench/bench_facturx.py [-d DATABASE] [--invoices N]
Without -d, a scratch database is created (module installed) and dropped.
"""

import argparse
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SHELL_SCRIPT = textwrap.dedent(
    """
    import base64, statistics, time
    from odoo import Command
    from odoo.addons.cabinet_fullservice.tools import validator

    def percentile(values, fraction):
        values = sorted(values)
        return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))]

    env = env(context=dict(env.context, tracking_disable=True))
    admin = env.user
    company = env["res.company"].create({
        "name": "Atelier Fictif SARL (bench)", "company_registry": "12345678200010",
        "vat": "FR11123456782", "street": "12 rue de l'Exemple", "zip": "69001",
        "city": "Lyon", "country_id": env.ref("base.fr").id,
        "cabinet_is_client": True,
        "cabinet_firm_id": env.ref("base.main_company").id,
    })
    admin.company_ids |= company
    env["account.chart.template"].try_loading("fr", company=company, install_demo=False)
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    env["cabinet.billing.mandate"].create({
        "company_id": company.id, "firm_id": env.ref("base.main_company").id,
        "signature_date": "2026-01-01",
        "date_start": "2026-01-01", "platform_consent": True,
        "signed_document": base64.b64encode(b"%%PDF-1.4"),
        "signed_filename": "mandate.pdf",
    }).action_activate()
    buyer = env["res.partner"].create({
        "name": "Client Modele SA", "is_company": True,
        "company_registry": "98765432400019", "vat": "FR14987654324",
        "zip": "75011", "city": "Paris", "country_id": env.ref("base.fr").id,
    })
    tax = env["account.tax"].search([
        ("company_id", "=", company.id), ("type_tax_use", "=", "sale"),
        ("amount", "=", 20.0), ("price_include", "=", False)], limit=1)
    invoices = env["account.move"].create([{
        "move_type": "out_invoice", "company_id": company.id,
        "partner_id": buyer.id, "invoice_date": "2026-09-01",
        "invoice_line_ids": [Command.create({
            "name": f"Prestation {index}-{line}", "quantity": 1 + line,
            "price_unit": 100.0 + index, "tax_ids": [Command.set(tax.ids)]})
            for line in range(3)],
    } for index in range(%(count)d)])
    invoices.action_post()
    checks = validator.facturx_checks("en16931")
    validator.validate(invoices[0]._cabinet_build_facturx_xml(), checks)  # warm-up
    generation, validation, total, failed = [], [], [], 0
    for invoice in invoices:
        started = time.perf_counter()
        xml = invoice._cabinet_build_facturx_xml()
        built = time.perf_counter()
        report = validator.validate(xml, checks)
        done = time.perf_counter()
        failed += not report.ok
        generation.append((built - started) * 1000)
        validation.append((done - built) * 1000)
        total.append((done - started) * 1000)
    print(f"BENCH invoices={len(invoices)} invalid={failed}")
    for label, values in (("generation", generation), ("validation", validation),
                          ("total", total)):
        print(f"BENCH {label:<10} median={statistics.median(values):7.1f} ms "
              f"p90={percentile(values, 0.9):7.1f} ms")
    env.cr.rollback()
    """
)


def odoo_command():
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
    addons = os.environ.get("ODOO_ADDONS_PATH") or ",".join(
        str(path) for path in (source / "addons", ROOT / "addons") if path.is_dir()
    )
    return command, addons


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", help="existing database to use")
    parser.add_argument("--invoices", type=int, default=100)
    args = parser.parse_args()
    command, addons = odoo_command()
    database = args.database
    if not database:
        database = f"cabinet_bench_{uuid.uuid4().hex[:8]}"
        print(f"installing cabinet_fullservice in scratch database {database}...")
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
                "--no-http",
                "--log-level=warn",
            ],
            check=True,
            capture_output=True,
        )
    try:
        shell = subprocess.run(
            [
                *command,
                "shell",
                f"--addons-path={addons}",
                "-d",
                database,
                "--no-http",
                "--log-level=warn",
            ],
            input=SHELL_SCRIPT % {"count": args.invoices},
            text=True,
            capture_output=True,
            check=False,
        )
        lines = [
            line[6:] for line in shell.stdout.splitlines() if line.startswith("BENCH ")
        ]
        if not lines:
            sys.exit(shell.stdout[-2000:] + shell.stderr[-4000:])
        print("\n".join(lines))
    finally:
        if not args.database:
            subprocess.run(["dropdb", "--if-exists", database], check=False)


if __name__ == "__main__":
    main()
