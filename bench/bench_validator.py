"""Benchmark of the out-of-process validator.

Measures the cold start (new child process, first validation, stylesheets
compiled on demand) and, after a warm-up, the time to validate one Factur-X
XML as seen by the Odoo-side client, over N runs.

Usage: python3 bench/bench_validator.py [XML_FILE] [--runs N] [--profile P]
"""

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "addons" / "cabinet_fullservice" / "tools"
SHARED = Path(os.environ.get("CABINET_SHARED_DIR") or ROOT.parent / "shared")
DEFAULT_XML = SHARED / "cases" / "real" / "en16931-cii" / "CII_example1.xml"


def load_validator():
    """Import tools/validator.py without importing the Odoo addon."""
    spec = importlib.util.spec_from_file_location(
        "bench_validator_client", TOOLS / "validator.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def timed(func, *args, **kwargs):
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, result


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
    return ordered[index]


def bench(xml, checks, runs, warmup):
    """Return rows ``(label, milliseconds)`` for the table."""
    validator = load_validator()
    client = validator.ValidatorClient()
    try:
        ping_ms, _answer = timed(client.ping)
        client.close()
        cold_ms, report = timed(client.validate, xml, checks)
        for _index in range(warmup):
            client.validate(xml, checks)
        samples = [timed(client.validate, xml, checks)[0] for _index in range(runs)]
        service_ms = report.duration_ms
    finally:
        client.close()
    return report, [
        ("cold start: spawn + ping", ping_ms),
        ("cold start: spawn + first validation", cold_ms),
        ("  of which in the service", service_ms),
        (f"warm validation, median of {runs}", statistics.median(samples)),
        (f"warm validation, p90 of {runs}", percentile(samples, 0.9)),
        ("warm validation, min", min(samples)),
        ("warm validation, max", max(samples)),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("xml", nargs="?", type=Path, default=DEFAULT_XML)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--profile", default="en16931")
    args = parser.parse_args()
    if not args.xml.is_file():
        parser.error(f"{args.xml} not found (set CABINET_SHARED_DIR or pass a file)")

    checks = load_validator().facturx_checks(args.profile)
    xml = args.xml.read_bytes()
    report, rows = bench(xml, checks, args.runs, args.warmup)

    print(f"file: {args.xml.name} ({len(xml)} bytes), checks: {', '.join(checks)}")
    counts = f"{len(report.fatal)} fatal, {len(report.warnings)} warnings"
    print(f"verdict: ok={report.ok}, {counts}")
    print(f"{'measure':<40} {'ms':>9}")
    print("-" * 50)
    for label, value in rows:
        print(f"{label:<40} {value:>9.1f}")


if __name__ == "__main__":
    main()
