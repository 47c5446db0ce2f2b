"""Benchmark: portal invoice list and collection dashboards, over HTTP.

Starts a real Odoo server on 127.0.0.1 over the database built by
``build_portal_fixture.py`` and measures, 20 runs each after one warm-up
request, the median and p90 of:

- the portal invoice list ``/my/invoices`` (first page) of a debtor's portal
  user with 1,000 posted invoices, logged in through the ``/web/login`` form;
- the collection dashboards over the 50 client companies, as the web client
  calls them, logged in as admin through ``/web/session/authenticate``:
  the portfolio list (``web_search_read`` of ``cabinet.portfolio.report``),
  its pivot (``formatted_read_grouping_sets`` by client company), the
  aging pivot (debtors by age bucket) and the aging graph (age bucket by
  client company).

Times are measured by the client (request sent to response read). The
number of SQL queries of each request is read from the server's request log
(Odoo appends the query count, query time and remaining time to each
werkzeug line at log level info).

Usage: python3 bench/bench_portal.py [-d DATABASE] [--runs 20] [--port 8273]
"""

import argparse
import re
import statistics
import subprocess
import sys
import threading
import time

import requests
from bench_facturx import odoo_command
from build_portal_fixture import DEFAULT_DATABASE, PORTAL_LOGIN, read_marker

# "... "GET /my/invoices HTTP/1.1" 200 - 52 0.041 0.212"
LOG_LINE = re.compile(r'"(?:GET|POST) (\S+) HTTP/[\d.]+" \d+ - (\d+) ([\d.]+) ([\d.]+)')


class Server:
    """An Odoo server on loopback whose request log lines are collected."""

    def __init__(self, database, port):
        command, addons = odoo_command()
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [
                *command,
                "server",
                f"--addons-path={addons}",
                "-d",
                database,
                "--db-filter",
                f"^{database}$",
                "--http-interface=127.0.0.1",
                f"--http-port={port}",
                f"--gevent-port={port + 1000}",
                "--workers=0",
                "--max-cron-threads=0",
                "--log-level=info",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            match = LOG_LINE.search(line)
            if match:
                self.lines.append(match.groups())

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/web/health", timeout=5).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(1)
        raise SystemExit("the Odoo server did not start")

    def queries_of_last(self, path):
        """Query count of the last logged request on ``path``."""
        for _ in range(50):
            for logged_path, count, _query_time, _remaining in reversed(self.lines):
                if logged_path.startswith(path):
                    return int(count)
            time.sleep(0.02)
        return None

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def measure(server, label, request, path, runs):
    """Run ``request`` once to warm up, then ``runs`` times; print figures."""
    request()
    times, queries = [], []
    for _ in range(runs):
        server.lines.clear()
        start = time.perf_counter()
        request()
        times.append((time.perf_counter() - start) * 1000)
        queries.append(server.queries_of_last(path))
    times.sort()
    p90 = times[max(0, round(0.9 * len(times)) - 1)]
    counts = sorted({count for count in queries if count is not None})
    print(
        f"{label:<48} median {statistics.median(times):7.1f} ms   "
        f"p90 {p90:7.1f} ms   queries {'/'.join(map(str, counts)) or '?'}",
        flush=True,
    )


def portal_session(server):
    session = requests.Session()
    page = session.get(server.url + "/web/login", timeout=60).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = session.post(
        server.url + "/web/login",
        data={
            "login": PORTAL_LOGIN,
            "password": PORTAL_LOGIN,
            "csrf_token": token,
            "redirect": "/my",
        },
        timeout=60,
    )
    response.raise_for_status()
    return session


def internal_session(server, database):
    session = requests.Session()
    response = session.post(
        server.url + "/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"db": database, "login": "admin", "password": "admin"},
        },
        timeout=60,
    ).json()
    if "error" in response:
        raise SystemExit(f"login failed: {response['error']}")
    return session


def call_kw(server, session, model, method, args, kwargs):
    response = session.post(
        f"{server.url}/web/dataset/call_kw/{model}/{method}",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": kwargs,
            },
        },
        timeout=120,
    ).json()
    if "error" in response:
        raise SystemExit(f"{model}.{method}: {response['error']['data']['message']}")
    return response["result"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", default=DEFAULT_DATABASE)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--port", type=int, default=8273)
    args = parser.parse_args()
    marker = read_marker(args.database)
    if not marker:
        raise SystemExit(
            f"build the fixture first: build_portal_fixture.py -d {args.database}"
        )

    server = Server(args.database, args.port)
    try:
        server.wait_ready()
        portal = portal_session(server)
        page = portal.get(server.url + "/my/invoices", timeout=60)
        page.raise_for_status()
        if "/my/invoices/" not in page.text:
            raise SystemExit("the portal user sees no invoice on /my/invoices")
        if 'name="cabinet_state"' not in page.text:
            raise SystemExit("/my/invoices lacks the debtor's follow-up column")
        print(
            f"{args.database}: {len(marker['company_ids'])} client companies, "
            f"{marker['portal_invoices']} invoices of the portal debtor, "
            f"{args.runs} runs each",
            flush=True,
        )
        measure(
            server,
            "portal /my/invoices (page 1)",
            lambda: portal.get(server.url + "/my/invoices", timeout=60),
            "/my/invoices",
            args.runs,
        )

        internal = internal_session(server, args.database)
        context = {"allowed_company_ids": [1, *marker["company_ids"]]}
        portfolio = "cabinet.portfolio.report"
        aging = "cabinet.aging.report"
        dashboards = [
            (
                "portfolio list (web_search_read)",
                portfolio,
                "web_search_read",
                [],
                {
                    "specification": {
                        "company_id": {"fields": {"display_name": {}}},
                        "currency_id": {"fields": {}},
                        "amount_receivable": {},
                        "amount_overdue": {},
                        "amount_1_30": {},
                        "amount_31_60": {},
                        "amount_61_90": {},
                        "amount_over_90": {},
                        "dso": {},
                        "amount_recovered": {},
                        "recovery_rate": {},
                        "fee_earned": {},
                        "fee_billed": {},
                    },
                    "domain": [],
                    "limit": 80,
                },
            ),
            (
                "portfolio pivot (by client company)",
                portfolio,
                "formatted_read_grouping_sets",
                [[], [[], ["company_id"]]],
                {
                    "aggregates": [
                        "amount_receivable:sum",
                        "amount_overdue:sum",
                        "amount_in_collection:sum",
                        "amount_recovered:sum",
                        "fee_earned:sum",
                        "__count",
                    ]
                },
            ),
            (
                "portfolio web_read_group (by client company)",
                portfolio,
                "web_read_group",
                [[], ["company_id"]],
                {"aggregates": ["amount_receivable:sum", "amount_overdue:sum"]},
            ),
            (
                "aging pivot (debtor x age bucket)",
                aging,
                "formatted_read_grouping_sets",
                [
                    [],
                    [
                        [],
                        ["partner_id"],
                        ["aging_bucket"],
                        ["partner_id", "aging_bucket"],
                    ],
                ],
                {"aggregates": ["amount_residual:sum", "__count"]},
            ),
            (
                "aging graph (age bucket x client company)",
                aging,
                "formatted_read_group",
                [[], ["aging_bucket", "company_id"]],
                {"aggregates": ["amount_residual:sum"]},
            ),
        ]
        for label, model, method, method_args, kwargs in dashboards:
            kwargs = {**kwargs, "context": context}
            measure(
                server,
                label,
                lambda model=model, method=method, a=method_args, k=kwargs: call_kw(
                    server, internal, model, method, a, k
                ),
                f"/web/dataset/call_kw/{model}/{method}",
                args.runs,
            )
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
