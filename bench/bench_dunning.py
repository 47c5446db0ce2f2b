"""Benchmark: one dunning run over the fixture, OCA or cabinet engine.

Runs the engine for the 20 client companies of the fixture built by
``build_dunning_fixture.py`` (20,000 open instalments, 2,000 debtors) at the
fixture's reference date, inside ``odoo-bin shell``, and prints:

- wall time of the run, commit included;
- SQL queries: the number of ``execute`` calls on Odoo cursors during the run
  (delta of ``odoo.sql_db.sql_counter``) and their time (``query_time`` of
  the thread, as Odoo's request logging does);
- memory: peak RSS of the process (``resource.getrusage``, ``ru_maxrss``)
  before and after the run, and, in a second run on a fresh copy, the Python
  peak seen by ``tracemalloc`` (separate because tracemalloc slows Python).

Preparation, once (kept): ``--db`` (default ``cabinet_bench_oca`` or
``cabinet_bench_cabinet``) is copied from the fixture (``createdb -T``), the
engine's module installed and configured: for OCA ``account_credit_control``
(``pip install -r bench/requirements-bench.txt``), one policy per company
with e-mail levels at D+1, D+8, D+15 and D+30 (due date); for the cabinet
engine ``cabinet_recouvrement`` with one policy per company on the same
ladder (no validation step). Each measured run then works on
a throw-away copy of that database (``<db>_run``), dropped afterwards unless
``--keep``, so that runs are repeatable.

Usage: python3 bench/bench_dunning.py --engine oca|cabinet [--db DB]
       [--fixture cabinet_bench_dunning] [--date YYYY-MM-DD] [--dry-run]
       [--lines-only] [--no-tracemalloc] [--keep]
"""

import argparse
import json
import subprocess
import sys
import textwrap
import time

from bench_facturx import odoo_command
from build_dunning_fixture import DEFAULT_DATABASE, read_marker, run_streamed

MODULES = {"oca": "account_credit_control", "cabinet": "cabinet_recouvrement"}
SETUP_MARKER = "cabinet_bench.dunning_setup"

COMMON = textwrap.dedent(
    """
    import json, resource, threading, time, tracemalloc
    import odoo.sql_db
    from odoo import Command, fields

    PARAMS = json.loads(%(params)r)
    FIXTURE = json.loads(env["ir.config_parameter"].sudo().get_param(
        "cabinet_bench.dunning_fixture"))
    DATE = fields.Date.from_string(PARAMS["date"] or FIXTURE["date"])
    companies = env["res.company"].browse(FIXTURE["company_ids"])
    env = env(context=dict(env.context, tracking_disable=True))

    def say(message):
        print("BENCH " + message, flush=True)
    """
)

OCA_SETUP = textwrap.dedent(
    """
    template = env.ref("account_credit_control.email_template_credit_control_base")
    levels = [(1, "Rappel J+1", 1), (2, "Relance J+8", 8),
              (3, "Relance ferme J+15", 15), (4, "Mise en demeure J+30", 30)]
    for company in companies:
        receivable = env["account.account"].search([
            ("company_ids", "in", company.id),
            ("account_type", "=", "asset_receivable")])
        policy = env["credit.control.policy"].create({
            "name": f"Relances bench ({company.name})",
            "company_id": company.id,
            "account_ids": [Command.set(receivable.ids)],
            "level_ids": [Command.create({
                "name": name, "level": level, "computation_mode": "net_days",
                "delay_days": delay, "channel": "email",
                "email_template_id": template.id,
                "custom_text": f"{name}: merci de régler les factures ci-dessous.",
                "custom_mail_text": f"<p>{name}: merci de régler.</p>",
            }) for level, name, delay in levels],
        })
        company.credit_policy_id = policy
    """
)

OCA_RUN = textwrap.dedent(
    """
    def count_outputs():
        Line = env["credit.control.line"].sudo()
        groups = Line._read_group([], ["level"], ["__count"])
        result = {f"lines level {level}": count for level, count in groups}
        result["communications"] = env[
            "credit.control.communication"].sudo().search_count([])
        return result

    runs = env["credit.control.run"]

    def generate_lines():
        global runs
        for company in companies:
            cenv = env(context=dict(env.context, allowed_company_ids=[company.id]))
            run = cenv["credit.control.run"].create({
                "date": DATE, "company_id": company.id,
                "policy_ids": [Command.set(company.credit_policy_id.ids)]})
            run.generate_credit_lines()
            runs |= run
        env.flush_all()
        env.cr.commit()

    def group_communications():
        # What "run_channel_action" does before rendering and sending the
        # e-mails (one PDF report per communication): lines to be sent, then
        # one communication per debtor and level.
        for run in runs:
            run.set_to_ready_lines()
            lines = run.line_ids.filtered(lambda x: x.state == "to_be_sent")
            env["credit.control.communication"]._generate_comm_from_credit_lines(
                lines)
        env.flush_all()
        env.cr.commit()

    PHASES = [("generate lines", generate_lines)]
    if PARAMS["oca_communications"]:
        PHASES.append(("group communications", group_communications))
    """
)

CABINET_SETUP = textwrap.dedent(
    """
    if "cabinet.dunning.run" not in env.registry:
        raise SystemExit("BENCH ERROR model cabinet.dunning.run not found: "
                         "cabinet_recouvrement has no dunning engine yet")
    # The same ladder as the OCA policy: e-mail levels at D+1, D+8, D+15 and
    # D+30, no validation step; the fixture has a signed "dunning" mission
    # letter per client company.
    template = env.ref("cabinet_recouvrement.mail_template_dunning")
    levels = [(10, "Rappel J+1", 1, "reminder"), (20, "Relance J+8", 8, "reminder"),
              (30, "Relance ferme J+15", 15, "firm"),
              (40, "Mise en demeure J+30", 30, "formal_notice")]
    for company in companies:
        company.cabinet_dunning_policy_id = env["cabinet.dunning.policy"].create({
            "name": f"Relances bench ({company.name})",
            "company_id": company.id,
            "level_ids": [Command.create({
                "sequence": sequence, "name": name, "delay": delay, "tone": tone,
                "channel_email": True, "mail_template_id": template.id,
            }) for sequence, name, delay, tone in levels],
        })
    """
)

CABINET_RUN = textwrap.dedent(
    """
    if "cabinet.dunning.run" not in env.registry:
        raise SystemExit("BENCH ERROR model cabinet.dunning.run not found: "
                         "cabinet_recouvrement has no dunning engine yet")
    OUTPUTS = ["cabinet.dunning.communication",
               "cabinet.dunning.communication.line", "mail.mail"]

    def count_outputs():
        return {model: env[model].sudo().search_count([])
                for model in OUTPUTS if model in env.registry}

    def run_engine():
        Run = env["cabinet.dunning.run"]
        for company in companies:
            Run._cabinet_run_company(company, DATE, dry_run=PARAMS["dry_run"])
        env.flush_all()
        env.cr.commit()

    PHASES = [("run" + (" (dry run)" if PARAMS["dry_run"] else ""), run_engine)]
    """
)

SETUP_TAIL = textwrap.dedent(
    """
    env["ir.config_parameter"].sudo().set_param(%(marker)r, PARAMS["engine"])
    env.cr.commit()
    say("SETUP done")
    """
)

MEASURE = textwrap.dedent(
    """
    before = count_outputs()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if PARAMS["tracemalloc"]:
        tracemalloc.start()
    thread = threading.current_thread()
    phases = []
    for name, phase in PHASES:
        thread.query_time = 0.0
        queries = odoo.sql_db.sql_counter
        started = time.perf_counter()
        phase()
        phases.append({"phase": name,
                       "wall_s": round(time.perf_counter() - started, 2),
                       "queries": odoo.sql_db.sql_counter - queries,
                       "sql_s": round(thread.query_time, 2)})
    result = {"engine": PARAMS["engine"], "date": str(DATE),
              "companies": len(companies), "phases": phases,
              "wall_s": round(sum(p["wall_s"] for p in phases), 2),
              "queries": sum(p["queries"] for p in phases),
              "sql_s": round(sum(p["sql_s"] for p in phases), 2),
              "rss_peak_before_mib": round(rss_before / 1024, 1),
              "rss_peak_after_mib": round(
                  resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    if PARAMS["tracemalloc"]:
        result["tracemalloc_peak_mib"] = round(
            tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    after = count_outputs()
    result["created"] = {key: after.get(key, 0) - before.get(key, 0)
                         for key in after}
    say("RESULT " + json.dumps(result))
    """
)


def psql(database, sql):
    return subprocess.run(
        ["psql", "-d", database, "-tAc", sql],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()


def shell(command, addons, database, script):
    returncode, output = run_streamed(
        [
            *command,
            "shell",
            f"--addons-path={addons}",
            "-d",
            database,
            "--no-http",
            "--log-level=warn",
        ],
        script,
    )
    errors = [line for line in output.splitlines() if line.startswith("BENCH ERROR")]
    if errors:
        sys.exit(errors[0][6:])
    if returncode:
        sys.exit(output[-4000:])
    return output


def prepare(args, command, addons, params):
    """Copy the fixture, install and configure the engine, once."""
    if read_marker(args.db) is False:
        if not read_marker(args.fixture):
            sys.exit(f"{args.fixture} is not built: run build_dunning_fixture.py")
        print(f"copying {args.fixture} to {args.db}", flush=True)
        subprocess.run(["createdb", "-T", args.fixture, args.db], check=True)
    if psql(
        args.db, f"SELECT value FROM ir_config_parameter WHERE key = '{SETUP_MARKER}'"
    ):
        return
    module = MODULES[args.engine]
    started = time.perf_counter()
    state = psql(args.db, f"SELECT state FROM ir_module_module WHERE name='{module}'")
    option = "-u" if state == "installed" else "-i"
    print(f"installing {module} in {args.db} ({option})...", flush=True)
    install = subprocess.run(
        [
            *command,
            "server",
            f"--addons-path={addons}",
            "-d",
            args.db,
            option,
            module,
            "--stop-after-init",
            "--no-http",
            "--log-level=warn",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    state = psql(args.db, f"SELECT state FROM ir_module_module WHERE name='{module}'")
    if install.returncode or state != "installed":
        sys.exit(f"{module} not installed ({state}):\n{install.stderr[-4000:]}")
    print(f"installed in {time.perf_counter() - started:.1f} s", flush=True)
    setup = OCA_SETUP if args.engine == "oca" else CABINET_SETUP
    shell(
        command,
        addons,
        args.db,
        COMMON % {"params": json.dumps(params)}
        + setup
        + SETUP_TAIL % {"marker": SETUP_MARKER},
    )


def measure(args, command, addons, params):
    """One run on a throw-away copy of the prepared database."""
    run_db = f"{args.db}_run"
    subprocess.run(["dropdb", "--if-exists", run_db], check=True)
    subprocess.run(["createdb", "-T", args.db, run_db], check=True)
    try:
        engine = OCA_RUN if args.engine == "oca" else CABINET_RUN
        output = shell(
            command,
            addons,
            run_db,
            COMMON % {"params": json.dumps(params)} + engine + MEASURE,
        )
    finally:
        if not args.keep:
            subprocess.run(["dropdb", "--if-exists", run_db], check=False)
    line = next(line for line in output.splitlines() if "BENCH RESULT " in line)
    return json.loads(line.split("BENCH RESULT ", 1)[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=sorted(MODULES), required=True)
    parser.add_argument("--db", help="prepared database (copy of the fixture)")
    parser.add_argument("--fixture", default=DEFAULT_DATABASE)
    parser.add_argument("--date", help="run date (default: the fixture's)")
    parser.add_argument("--dry-run", action="store_true", help="cabinet only")
    parser.add_argument("--no-tracemalloc", action="store_true")
    parser.add_argument(
        "--lines-only", action="store_true", help="OCA: skip the communications"
    )
    parser.add_argument("--keep", action="store_true", help="keep <db>_run")
    args = parser.parse_args()
    args.db = args.db or f"cabinet_bench_{args.engine}"
    for name in (args.db, args.fixture):
        if not name.startswith("cabinet_bench_"):
            parser.error("database names must start with cabinet_bench_")
    command, addons = odoo_command()
    params = {
        "engine": args.engine,
        "date": args.date,
        "dry_run": args.dry_run,
        "tracemalloc": False,
        "oca_communications": not args.lines_only,
    }
    prepare(args, command, addons, params)
    results = [measure(args, command, addons, params)]
    if not args.no_tracemalloc:
        results.append(measure(args, command, addons, dict(params, tracemalloc=True)))
    first = results[0]
    print(
        f"engine {first['engine']}, date {first['date']}, "
        f"{first['companies']} companies"
    )
    for phase in first["phases"]:
        print(
            f"  {phase['phase']:<20} {phase['wall_s']:>8.2f} s, "
            f"{phase['queries']} queries ({phase['sql_s']:.2f} s in SQL)"
        )
    print(f"wall time            {first['wall_s']:>10.2f} s")
    print(
        f"SQL queries          {first['queries']:>10d} ({first['sql_s']:.2f} s in SQL)"
    )
    print(
        f"peak RSS             {first['rss_peak_after_mib']:>10.1f} MiB "
        f"(before the run {first['rss_peak_before_mib']:.1f} MiB)"
    )
    if len(results) > 1:
        print(
            f"tracemalloc peak     {results[1]['tracemalloc_peak_mib']:>10.1f} "
            f"MiB (run with tracemalloc: {results[1]['wall_s']:.2f} s)"
        )
    print(f"records created      {json.dumps(first['created'])}")
    print("RESULTS " + json.dumps(results))


if __name__ == "__main__":
    main()
