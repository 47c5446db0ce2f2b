"""Build (once) the database of the portal and dashboard benchmark.

- 50 client companies of the cabinet (French chart of accounts, active billing
  mandate, signed mission letter: amicable-collection mandate for one company
  in two, simple dunning for the others), 10 debtors and 40 posted customer
  invoices each, due from D-120 to D+20 (D = today), so that every age bucket
  of the dashboards has rows; the admin user may work on all of them.
- One debtor of the first client company with a portal user
  (``portal.bench`` / ``portal.bench``) and 1,000 posted invoices addressed
  to it.

Each client company is set up in one go (company, chart, mandate, letter,
debtors, invoices created in one ``create`` and posted in one
``action_post``) and committed. An interrupted build resumes; a finished one
leaves a marker (system parameter ``cabinet_bench.portal_fixture``) and is
reused by the next invocation (``--rebuild`` drops it first).

Usage: python3 bench/build_portal_fixture.py [-d DATABASE] [--companies 50]
       [--invoices 40] [--portal-invoices 1000] [--rebuild]
"""

import argparse
import datetime
import json
import subprocess
import textwrap
import time

from bench_facturx import odoo_command
from build_dunning_fixture import read_marker as read_dunning_marker
from build_dunning_fixture import run_streamed

DEFAULT_DATABASE = "cabinet_bench_portal"
MARKER = "cabinet_bench.portal_fixture"
PORTAL_LOGIN = "portal.bench"

SHELL_SCRIPT = textwrap.dedent(
    """
    import datetime, json, time
    from odoo import Command, fields

    PARAMS = json.loads(%(params)r)
    TODAY = fields.Date.from_string(PARAMS["date"])
    started = time.perf_counter()

    def say(message):
        print("BENCH " + message, flush=True)

    def with_key(digits):
        total = 0
        for index, char in enumerate(reversed(digits)):
            value = int(char) * (1 if index %% 2 else 2)
            total += value - 9 if value > 9 else value
        return digits + str((10 - total %% 10) %% 10)

    env = env(context=dict(
        env.context, tracking_disable=True, mail_create_nolog=True,
        mail_notrack=True, mail_auto_subscribe_no_notify=True))
    firm = env.ref("base.main_company")
    france = env.ref("base.fr")
    admin = env.ref("base.user_admin")

    def invoice_vals(company, journal, tax, partners, count, span, prefix):
        # Due dates spread evenly over ``span`` days ending at D+20.
        vals = []
        for k in range(count):
            due = TODAY + datetime.timedelta(days=20 - (k * span) // count)
            vals.append({
                "journal_id": journal.id, "move_type": "out_invoice",
                "company_id": company.id,
                "partner_id": partners[k %% len(partners)].id,
                "invoice_date": due - datetime.timedelta(days=30),
                "invoice_date_due": due,
                "invoice_line_ids": [Command.create({
                    "name": f"{prefix} {k:04d}", "quantity": 1,
                    "price_unit": 100.0 + (k * 7919) %% 1900,
                    "tax_ids": [Command.set(tax.ids)],
                })],
            })
        # Numbers follow the dates within the journal.
        vals.sort(key=lambda v: v["invoice_date"])
        return vals

    def sale_journal_and_tax(cenv, company):
        journal = cenv["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
        tax = cenv["account.tax"].search([
            ("company_id", "=", company.id), ("type_tax_use", "=", "sale"),
            ("amount", "=", 20.0), ("amount_type", "=", "percent"),
            ("price_include", "=", False)], limit=1)
        return journal, tax

    def set_up_company(number):
        name = f"Client Portail {number:02d} SARL"
        if env["res.company"].search_count([("name", "=", name)]):
            return env["res.company"].search([("name", "=", name)])
        t0 = time.perf_counter()
        siren = with_key(f"7{number:07d}")
        company = env["res.company"].create({
            "name": name, "company_registry": with_key(siren + "0001"),
            "street": f"{number} rue du Portail", "zip": "69001",
            "city": "Lyon", "country_id": france.id,
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
        collection = number %% 2 == 1
        cenv["cabinet.mission.letter"].create({
            "company_id": company.id, "firm_id": firm.id,
            "mission_type": "collection" if collection else "dunning",
            "date_start": "2026-01-01", "fixed_fee": 150.0,
            "success_fee_rate": 10.0 if collection else 0.0,
        }).action_sign()
        debtors = cenv["res.partner"].create([{
            "name": f"Débiteur {number:02d}-{index:02d} SAS", "is_company": True,
            "company_id": company.id, "country_id": france.id,
        } for index in range(PARAMS["debtors"])])
        journal, tax = sale_journal_and_tax(cenv, company)
        moves = cenv["account.move"].create(invoice_vals(
            company, journal, tax, debtors, PARAMS["invoices"], 140,
            f"Prestation {number:02d}"))
        moves.action_post()
        env.cr.commit()
        say(f"company {number:02d}: {time.perf_counter() - t0:.1f} s")
        return company

    companies = env["res.company"]
    for number in range(1, PARAMS["companies"] + 1):
        companies |= set_up_company(number)

    # --- the debtor of the portal and its invoices ---------------------------
    first = companies[0]
    cenv = env(context=dict(env.context, allowed_company_ids=[first.id]))
    debtor = cenv["res.partner"].search(
        [("name", "=", "Débiteur Portail SAS")], limit=1)
    if not debtor:
        debtor = cenv["res.partner"].create({
            "name": "Débiteur Portail SAS", "is_company": True,
            "email": "portal.bench@example.com", "country_id": france.id,
        })
        env["res.users"].with_context(no_reset_password=True).create({
            "name": "Débiteur Portail", "login": %(login)r,
            "password": %(login)r, "partner_id": debtor.id,
            "company_id": first.id, "company_ids": [Command.set(first.ids)],
            "group_ids": [Command.set(env.ref("base.group_portal").ids)],
        })
        env.cr.commit()
    Move = cenv["account.move"]
    journal, tax = sale_journal_and_tax(cenv, first)
    done = Move.search_count([("partner_id", "=", debtor.id)])
    todo = invoice_vals(first, journal, tax, debtor, PARAMS["portal_invoices"],
                        300, "Abonnement")[done:]
    for start in range(0, len(todo), 250):
        t0 = time.perf_counter()
        Move.create(todo[start:start + 250]).action_post()
        env.cr.commit()
        say(f"portal invoices {done + start + 250}: "
            f"{time.perf_counter() - t0:.1f} s")

    env.cr.execute("ANALYZE")
    marker = dict(
        PARAMS, built_at=fields.Datetime.to_string(fields.Datetime.now()),
        company_ids=companies.ids, debtor_id=debtor.id,
        seconds=round(time.perf_counter() - started, 1))
    env["ir.config_parameter"].sudo().set_param(%(marker)r, json.dumps(marker))
    env.cr.commit()
    say("MARKER " + json.dumps(marker))
    """
)


def read_marker(database):
    """The marker of a finished build, None without it, False without database."""
    return read_dunning_marker(database, MARKER)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", default=DEFAULT_DATABASE)
    parser.add_argument("--companies", type=int, default=50)
    parser.add_argument("--debtors", type=int, default=10, help="per company")
    parser.add_argument("--invoices", type=int, default=40, help="per company")
    parser.add_argument("--portal-invoices", type=int, default=1000)
    parser.add_argument("--rebuild", action="store_true", help="drop it first")
    args = parser.parse_args()
    if args.rebuild:
        subprocess.run(["dropdb", "--if-exists", args.database], check=True)

    marker = read_marker(args.database)
    if marker:
        print(f"reusing {args.database} (built {marker['built_at']})")
        return
    command, addons = odoo_command()
    started = time.perf_counter()
    if marker is False:
        print(f"installing cabinet_recouvrement in {args.database}...", flush=True)
        subprocess.run(
            [
                *command,
                "server",
                f"--addons-path={addons}",
                "-d",
                args.database,
                "-i",
                "cabinet_recouvrement",
                "--without-demo=all",
                "--stop-after-init",
                "--no-http",
                "--log-level=warn",
            ],
            check=True,
            capture_output=True,
        )
        print(f"installed in {time.perf_counter() - started:.1f} s", flush=True)
    params = {
        "date": datetime.date.today().isoformat(),
        "companies": args.companies,
        "debtors": args.debtors,
        "invoices": args.invoices,
        "portal_invoices": args.portal_invoices,
    }
    script = SHELL_SCRIPT % {
        "params": json.dumps(params),
        "marker": MARKER,
        "login": PORTAL_LOGIN,
    }
    returncode, output = run_streamed(
        [
            *command,
            "shell",
            f"--addons-path={addons}",
            "-d",
            args.database,
            "--no-http",
            "--log-level=warn",
        ],
        script,
    )
    if returncode or "MARKER " not in output:
        print(output[-3000:])
        raise SystemExit("the build failed; run again to resume")
    print(f"built in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
