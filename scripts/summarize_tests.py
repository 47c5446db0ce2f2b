"""Print one summary line for the Odoo test run and the pytest run together.

The line reads ``N passed, N failed`` (failures and errors counted as failed).
The exit code is non-zero when anything failed, when a runner crashed before
reporting, or when no test ran at all.
"""

import argparse
import re
import sys

ODOO_RESULT = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)
PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|error|errors|skipped)\b")


def odoo_counts(path):
    """Return (passed, failed) from the last result line of an Odoo log."""
    with open(path, encoding="utf-8", errors="replace") as log:
        matches = ODOO_RESULT.findall(log.read())
    if not matches:
        return None
    failed, errors, total = (int(value) for value in matches[-1])
    return total - failed - errors, failed + errors


LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) ")


def odoo_error_records(path):
    """Yield each ERROR or CRITICAL record of an Odoo log with its traceback."""
    record, keep = [], False
    with open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            match = LOG_RECORD.match(line)
            if match:
                if keep:
                    yield "".join(record)
                record, keep = [line], match.group(1) in ("ERROR", "CRITICAL")
            else:
                record.append(line)
    if keep:
        yield "".join(record)


def pytest_counts(path):
    """Return (passed, failed, skipped) from pytest's closing line."""
    with open(path, encoding="utf-8", errors="replace") as log:
        lines = [line for line in log.read().splitlines() if line.strip()]
    closing = next(
        (line for line in reversed(lines) if re.search(r" in [\d.]+s", line)), ""
    )
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for number, word in PYTEST_COUNT.findall(closing):
        key = "failed" if word.startswith("error") else word
        counts[key] += int(number)
    if not closing:
        return None
    return counts["passed"], counts["failed"], counts["skipped"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo-log", required=True)
    parser.add_argument("--odoo-rc", type=int, required=True)
    parser.add_argument("--pytest-log", required=True)
    parser.add_argument("--pytest-rc", type=int, required=True)
    parser.add_argument("--lint-rc", type=int, default=0)
    args = parser.parse_args()

    problems = []
    for record in odoo_error_records(args.odoo_log):
        print(record, end="", file=sys.stderr)
    odoo = odoo_counts(args.odoo_log)
    if odoo is None:
        problems.append("the Odoo run printed no test result (see its log above)")
        odoo = (0, 1)
    elif args.odoo_rc and not odoo[1]:
        problems.append(f"Odoo exited with code {args.odoo_rc}")
    pytest = pytest_counts(args.pytest_log)
    if pytest is None:
        problems.append("pytest printed no result")
        pytest = (0, 1, 0)
    if args.lint_rc:
        problems.append("the linters failed")

    passed = odoo[0] + pytest[0]
    failed = odoo[1] + pytest[1]
    if passed == 0:
        problems.append("no test ran")
    for problem in problems:
        print(f"cabinet: {problem}", file=sys.stderr)
    print(f"odoo: {odoo[0]} passed, {odoo[1]} failed")
    print(f"pytest: {pytest[0]} passed, {pytest[1]} failed, {pytest[2]} skipped")
    print(f"{passed} passed, {failed} failed")
    return 1 if (failed or problems) else 0


if __name__ == "__main__":
    sys.exit(main())
