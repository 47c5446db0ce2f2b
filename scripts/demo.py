"""Build the demo database, run the main job in it, then serve Odoo.

Called by ``scripts/cabinet demo``, which has found Odoo 19 and started
PostgreSQL. The job itself (``scripts/demo_job.py``) runs inside
``odoo-bin shell`` so that it uses the ORM like any Odoo code.
"""

import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The demo payment provider lets debtors pay online without any real bank.
MODULES = "cabinet_fullservice,cabinet_recouvrement,payment_demo"


def run(cmd, **kwargs):
    print("$", " ".join(shlex.quote(part) for part in cmd), flush=True)
    return subprocess.run(cmd, check=True, **kwargs)


def odoo(args, odoo_bin, *extra):
    return [
        *shlex.split(odoo_bin),
        *extra,
        f"--addons-path={args.addons_path}",
        f"--database={args.db}",
        f"--data-dir={args.data_dir}",
    ]


def reset_demo_platform(args):
    """Stop the demo platform of a previous run and forget its flows.

    Its flows belong to the database being rebuilt: kept, they would answer
    for invoices of the new database that happen to bear the same numbers.
    """
    state_dir = Path(args.data_dir) / "cabinet_fullservice"
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"afnor_server.py" in cmdline and str(state_dir).encode() in cmdline:
            os.kill(int(proc.name), signal.SIGTERM)
    for state_file in state_dir.glob("afnor_demo_*.json"):
        state_file.unlink()


def build_database(args):
    reset_demo_platform(args)
    subprocess.run(["dropdb", "--if-exists", args.db], check=True)
    run(
        odoo(args, args.odoo_bin, "server")
        + [
            "-i",
            MODULES,
            "--load-language=fr_FR",
            "--stop-after-init",
            "--log-level=warn",
            "--http-interface=127.0.0.1",
            "--http-port=0",
        ]
    )


def check_platform_port(args):
    """Refuse to share the demo platform port with another database's."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.platform_port)) == 0:
            raise SystemExit(
                f"cabinet: port {args.platform_port} already serves a demo "
                "platform of another database; pass --platform-port PORT."
            )


def run_job(args):
    job = (ROOT / "scripts" / "demo_job.py").read_text()
    run(
        odoo(args, args.odoo_bin, "shell")
        + ["--log-level=warn", "--no-http", "--shell-interface=python"],
        input=job,
        text=True,
    )


def start_server(args):
    """Serve the demo database; the job needs it too (PDF assets)."""
    cmd = odoo(args, args.odoo_bin, "server") + [
        "--http-interface=127.0.0.1",
        f"--http-port={args.port}",
        "--log-level=warn",
    ]
    server = subprocess.Popen(cmd)
    url = f"http://127.0.0.1:{args.port}/web/health"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"Odoo stopped with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return server
        except OSError:
            time.sleep(1)
    server.terminate()
    raise SystemExit(f"Odoo did not answer on {url}")


def set_parameters(args):
    """The database's own URL (links, PDF assets) and demo platform port."""
    params = {
        "web.base.url": f"http://127.0.0.1:{args.port}",
        "web.base.url.freeze": "True",
        "cabinet_fullservice.demo_platform_port": str(args.platform_port),
    }
    values = ", ".join(f"('{key}', '{value}')" for key, value in params.items())
    sql = (
        f"INSERT INTO ir_config_parameter (key, value) VALUES {values} "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
    )
    run(["psql", "-q", "-d", args.db, "-c", sql])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--db", default="cabinet_demo")
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument("--platform-port", type=int, default=8079)
    parser.add_argument("--data-dir", default=str(ROOT / ".demo" / "data"))
    parser.add_argument("--no-serve", action="store_true")
    args = parser.parse_args()
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    build_database(args)
    check_platform_port(args)
    set_parameters(args)
    server = start_server(args)
    try:
        run_job(args)
        if args.no_serve:
            return 0
        print(
            f"\nOdoo serves the demo on http://127.0.0.1:{args.port} "
            "(login admin, password admin). Ctrl-C stops it.",
            flush=True,
        )
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
