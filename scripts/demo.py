"""Build the demo database, run the main job in it, then serve Odoo.

Called by ``scripts/cabinet demo``, which has found Odoo 19 and started
PostgreSQL. The job itself (``scripts/demo_job.py``) runs inside
``odoo-bin shell`` so that it uses the ORM like any Odoo code.
"""

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = "cabinet_fullservice,cabinet_recouvrement"


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


def build_database(args):
    subprocess.run(["dropdb", "--if-exists", args.db], check=True)
    run(
        odoo(args, args.odoo_bin, "server")
        + ["-i", MODULES, "--stop-after-init", "--log-level=warn", "--http-port=0"]
    )


def run_job(args):
    job = (ROOT / "scripts" / "demo_job.py").read_text()
    run(
        odoo(args, args.odoo_bin, "shell")
        + ["--log-level=warn", "--no-http", "--shell-interface=python"],
        input=job,
        text=True,
    )


def serve(args):
    print(
        f"\nOdoo serves the demo on http://127.0.0.1:{args.port} "
        "(login admin, password admin). Ctrl-C stops it.",
        flush=True,
    )
    cmd = odoo(args, args.odoo_bin, "server") + [
        "--http-interface=127.0.0.1",
        f"--http-port={args.port}",
        "--log-level=warn",
    ]
    os.execvp(cmd[0], cmd)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--db", default="cabinet_demo")
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument("--data-dir", default=str(ROOT / ".demo" / "data"))
    parser.add_argument("--no-serve", action="store_true")
    args = parser.parse_args()
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    build_database(args)
    run_job(args)
    if not args.no_serve:
        serve(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
