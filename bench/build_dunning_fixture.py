"""Build (once) the database of the dunning benchmark.

20 client companies of the cabinet (French chart of accounts, signed billing
mandate and "simple dunning" mission letter, as in the project's tests),
100 debtors each (one in ten a consumer) and 1,000 open posted customer
invoices each: 20,000 open instalments whose due dates are spread evenly
from D-60 to D+10, D being the reference date (today unless ``--date``).

Invoices are created and posted through the ORM, in chunks committed one by
one, the planner statistics refreshed after each chunk (ANALYZE) and once
more at the end. An interrupted build resumes where it stopped. When done, a
marker (system parameter ``cabinet_bench.dunning_fixture``) records the
reference date and the build time; later invocations find it and reuse the
database as it is (``--rebuild`` drops it first).

Usage: python3 bench/build_dunning_fixture.py [-d DATABASE] [--date YYYY-MM-DD]
       [--companies 20] [--debtors 100] [--invoices 1000] [--chunk 500]
"""

import argparse
import datetime
import json
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

from bench_facturx import odoo_command

DEFAULT_DATABASE = "cabinet_bench_dunning"
MARKER = "cabinet_bench.dunning_fixture"

SHELL_SCRIPT = textwrap.dedent(
    """
    import datetime, json, time
    from odoo import Command, fields

    PARAMS = json.loads(%(params)r)
    REF = fields.Date.from_string(PARAMS["date"])
    started = time.perf_counter()

    def say(message):
        print("BENCH " + message, flush=True)

    def luhn_digit(digits):
        total = 0
        for index, char in enumerate(reversed(digits)):
            value = int(char) * (1 if index %% 2 else 2)
            total += value - 9 if value > 9 else value
        return str((10 - total %% 10) %% 10)

    def identity(index):
        # Invented SIREN / SIRET / VAT numbers with valid keys.
        base = f"9{index:07d}"
        siren = base + luhn_digit(base)
        nic = "0001"
        siret = siren + nic + luhn_digit(siren + nic)
        vat = f"FR{(12 + 3 * (int(siren) %% 97)) %% 97:02d}{siren}"
        return siren, siret, vat

    env = env(context=dict(
        env.context, tracking_disable=True, mail_create_nolog=True,
        mail_notrack=True, mail_auto_subscribe_no_notify=True))
    firm = env.ref("base.main_company")
    france = env.ref("base.fr")
    admin = env.ref("base.user_admin")

    # --- client companies --------------------------------------------------
    companies = env["res.company"]
    for number in range(1, PARAMS["companies"] + 1):
        if PARAMS["phase"] != "setup":
            companies |= env["res.company"].search(
                [("name", "=", f"Client Bench {number:02d} SARL")], limit=1)
            continue
        name = f"Client Bench {number:02d} SARL"
        company = env["res.company"].search([("name", "=", name)], limit=1)
        if not company:
            t0 = time.perf_counter()
            _siren, siret, vat = identity(number)
            company = env["res.company"].create({
                "name": name, "company_registry": siret, "vat": vat,
                "street": f"{number} rue du Banc d'Essai", "zip": "69001",
                "city": "Lyon", "country_id": france.id,
                "email": f"compta@client-bench-{number:02d}.example",
                "cabinet_is_client": True, "cabinet_firm_id": firm.id,
            })
            admin.company_ids |= company
            env.user.company_ids |= company
            env["account.chart.template"].try_loading(
                "fr", company=company, install_demo=False)
            cenv = env(context=dict(env.context, allowed_company_ids=[company.id]))
            cenv["cabinet.billing.mandate"].create({
                "company_id": company.id, "firm_id": firm.id,
                "signature_date": "2026-01-01", "date_start": "2026-01-01",
                "platform_consent": True,
                "signed_document": "JVBERi0xLjQgbWFuZGF0",
                "signed_filename": "mandat-signe.pdf",
            }).action_activate()
            cenv["cabinet.mission.letter"].create({
                "company_id": company.id, "firm_id": firm.id,
                "mission_type": "dunning", "date_start": "2026-01-01",
                "fixed_fee": 150.0,
            }).action_sign()
            env.cr.commit()
            say(f"company {name}: {time.perf_counter() - t0:.1f} s")
        companies |= company

    # --- debtors -------------------------------------------------------------
    for number, company in enumerate(companies, start=1):
        if PARAMS["phase"] != "setup":
            break
        prefix = f"BENCH-{number:02d}-"
        existing = env["res.partner"].search_count([("ref", "=like", prefix + "%%")])
        if existing >= PARAMS["debtors"]:
            continue
        env["res.partner"].create([{
            "name": (f"Débiteur {number:02d}-{index:03d} SAS" if index %% 10
                     else f"M. Particulier {number:02d}-{index:03d}"),
            "is_company": bool(index %% 10),
            "ref": f"{prefix}{index:03d}",
            "company_id": company.id,
            "email": f"debiteur-{number:02d}-{index:03d}@example.com",
            "street": f"{index} avenue du Test", "zip": "75011",
            "city": "Paris", "country_id": france.id,
        } for index in range(existing, PARAMS["debtors"])])
        env.cr.commit()
    if PARAMS["phase"] == "setup":
        say(f"companies and debtors ready: {time.perf_counter() - started:.1f} s")

    # --- invoices ------------------------------------------------------------
    def analyze():
        env.cr.execute(
            "ANALYZE account_move, account_move_line, account_partial_reconcile")

    count = PARAMS["invoices"]
    span = 71  # due dates from D-60 to D+10 included
    posted_total = 0
    invoice_seconds = 0.0
    Move = env["account.move"]
    for number, company in enumerate(companies, start=1):
        if PARAMS["phase"] != "invoices" or number %% PARAMS["jobs"] != PARAMS["job"]:
            continue
        cenv = env(context=dict(env.context, allowed_company_ids=[company.id]))
        Move = cenv["account.move"]
        debtors = cenv["res.partner"].search(
            [("ref", "=like", f"BENCH-{number:02d}-%%")], order="ref")
        tax = cenv["account.tax"].search([
            ("company_id", "=", company.id), ("type_tax_use", "=", "sale"),
            ("amount", "=", 20.0), ("amount_type", "=", "percent"),
            ("price_include", "=", False)], limit=1)
        done = Move.search_count([
            ("company_id", "=", company.id), ("move_type", "=", "out_invoice"),
            ("state", "=", "posted")])
        # Sorted by date, so that numbers follow dates within the journal.
        specs, per_year = [], {}
        for k in range(count):
            due = REF + datetime.timedelta(days=k * span // count - 60)
            year = (due - datetime.timedelta(days=30)).year
            per_year[year] = per_year.get(year, 0) + 1
            specs.append((due, k, per_year[year]))
        journal = cenv["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
        for start in range(done, count, PARAMS["chunk"]):
            t0 = time.perf_counter()
            vals = []
            for due, k, number_in_year in specs[start:start + PARAMS["chunk"]]:
                vals.append({
                    "journal_id": journal.id,
                    "move_type": "out_invoice", "company_id": company.id,
                    "partner_id": debtors[(k * 37) %% len(debtors)].id,
                    "invoice_date": due - datetime.timedelta(days=30),
                    "invoice_date_due": due,
                    "invoice_line_ids": [Command.create({
                        "name": f"Prestation {number:02d}-{k:04d}",
                        "quantity": 1 + k %% 3,
                        "price_unit": 100.0 + (k * 7919) %% 1900,
                        "tax_ids": [Command.set(tax.ids)],
                    })],
                })
                if PARAMS["preset_numbers"]:
                    # The number the journal would give, in date order.
                    year = vals[-1]["invoice_date"].year
                    vals[-1]["name"] = f"{journal.code}/{year}/{number_in_year:05d}"
            moves = Move.create(vals)
            created = time.perf_counter()
            moves.action_post()
            env.cr.commit()
            analyze()
            env.cr.commit()
            seconds = time.perf_counter() - t0
            invoice_seconds += seconds
            posted_total += len(moves)
            say(f"company {number:02d} invoices {start + len(moves)}/{count}: "
                f"create {created - t0:.1f} s, post+commit "
                f"{seconds - (created - t0):.1f} s "
                f"({1000 * seconds / len(moves):.0f} s per 1,000)")

    if PARAMS["phase"] == "invoices":
        say(f"JOB {PARAMS['job']} {posted_total} {invoice_seconds:.1f}")
        raise SystemExit
    if PARAMS["phase"] != "finish":
        raise SystemExit
    env.cr.execute("ANALYZE")
    total = Move.sudo().search_count([
        ("company_id", "in", companies.ids), ("move_type", "=", "out_invoice"),
        ("state", "=", "posted"), ("payment_state", "=", "not_paid")])
    marker = dict(
        PARAMS, built_at=fields.Datetime.to_string(fields.Datetime.now()),
        open_invoices=total,
        company_ids=companies.ids)
    env["ir.config_parameter"].sudo().set_param(%(marker)r, json.dumps(marker))
    env.cr.commit()
    say("MARKER " + json.dumps(marker))
    """
)


def read_marker(database, key=MARKER):
    """The marker ``key`` of a finished build, None without it, False
    without database."""
    exists = subprocess.run(
        ["psql", "-d", database, "-tAc", "SELECT 1"],
        capture_output=True,
        text=True,
        check=False,
    )
    if exists.returncode:
        return False
    value = subprocess.run(
        [
            "psql",
            "-d",
            database,
            "-tAc",
            f"SELECT value FROM ir_config_parameter WHERE key = '{key}'",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return json.loads(value) if value else None


def run_streamed(command, stdin_text=None):
    """Run ``command``, print its ``BENCH`` lines as they come, return output."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if stdin_text is not None:
        process.stdin.write(stdin_text)
    process.stdin.close()
    output = []
    for line in process.stdout:
        output.append(line)
        if line.startswith("BENCH "):
            print(line[6:], end="", flush=True)
    process.wait()
    return process.returncode, "".join(output)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", default=DEFAULT_DATABASE)
    parser.add_argument("--date", default=datetime.date.today().isoformat())
    parser.add_argument("--companies", type=int, default=20)
    parser.add_argument("--debtors", type=int, default=100, help="per company")
    parser.add_argument("--invoices", type=int, default=1000, help="per company")
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument(
        "--jobs", type=int, default=2, help="parallel shells, by company"
    )
    parser.add_argument(
        "--odoo-numbering",
        action="store_true",
        help="let Odoo number each invoice at posting (slower) instead of "
        "giving the same numbers in the create values",
    )
    parser.add_argument("--rebuild", action="store_true", help="drop it first")
    args = parser.parse_args()
    if not args.database.startswith("cabinet_bench_"):
        parser.error("the database name must start with cabinet_bench_")
    if args.rebuild:
        subprocess.run(["dropdb", "--if-exists", args.database], check=True)

    marker = read_marker(args.database)
    if marker:
        print(f"reusing {args.database} (built {marker['built_at']}):")
        print(json.dumps(marker, indent=1))
        return
    command, addons = odoo_command()
    started = time.perf_counter()
    if marker is False:
        print(f"installing cabinet_fullservice in {args.database}...", flush=True)
        subprocess.run(
            [
                *command,
                "server",
                f"--addons-path={addons}",
                "-d",
                args.database,
                "-i",
                "cabinet_fullservice",
                "--stop-after-init",
                "--no-http",
                "--log-level=warn",
            ],
            check=True,
            capture_output=True,
        )
        print(f"installed in {time.perf_counter() - started:.1f} s", flush=True)
    else:
        print(f"resuming the build of {args.database}", flush=True)
    params = {
        "date": args.date,
        "companies": args.companies,
        "debtors": args.debtors,
        "invoices": args.invoices,
        "chunk": args.chunk,
        "jobs": args.jobs,
        "preset_numbers": not args.odoo_numbering,
    }
    shell = [
        *command,
        "shell",
        f"--addons-path={addons}",
        "-d",
        args.database,
        "--no-http",
        "--log-level=warn",
    ]

    def script(phase, job=0):
        values = dict(params, phase=phase, job=job)
        return SHELL_SCRIPT % {"params": json.dumps(values), "marker": MARKER}

    returncode, output = run_streamed(shell, script("setup"))
    if returncode or "BENCH companies and debtors ready" not in output:
        sys.exit(output[-4000:])
    # Invoices: one shell per job, each on its own client companies.
    invoices_started = time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as pool:
        outputs = list(
            pool.map(
                lambda job: run_streamed(shell, script("invoices", job)),
                range(args.jobs),
            )
        )
    invoices_wall = time.perf_counter() - invoices_started
    posted = 0
    for returncode, output in outputs:
        if returncode or "BENCH JOB " not in output:
            sys.exit(output[-4000:])
        posted += int(output.split("BENCH JOB ", 1)[1].split()[1])
    if posted:
        print(
            f"{posted} invoices created and posted in {invoices_wall:.1f} s with "
            f"{args.jobs} job(s): {1000 * invoices_wall / posted:.1f} s per 1,000",
            flush=True,
        )
    returncode, output = run_streamed(shell, script("finish"))
    if returncode or "BENCH MARKER " not in output:
        sys.exit(output[-4000:])
    print(f"built in {time.perf_counter() - started:.1f} s (this invocation)")


if __name__ == "__main__":
    main()
