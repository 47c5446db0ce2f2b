"""Build each addon's README.rst from its readme/ fragments.

Fragments are short Markdown files written in the subset that is also valid
reStructuredText (paragraphs and "-" lists); inline code in single backticks
becomes an rst literal. With --check, exit 1 when a README.rst is stale.
"""

import argparse
import ast
import re
import sys
from pathlib import Path

SECTIONS = [
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("ROADMAP.md", "Known issues / Roadmap"),
    ("HISTORY.md", "Changelog"),
    ("CONTRIBUTORS.md", "Contributors"),
]


HEADING_CHARS = {2: "~", 3: "^", 4: "'"}


def to_rst(markdown):
    """Turn the Markdown subset of the fragments into reStructuredText.

    Inline code becomes an rst literal and ``##`` headings become rst
    section titles below the fragment's own section.
    """
    text = re.sub(r"(?<!`)`([^`\n]+)`(?!`)", r"``\1``", markdown)
    lines = []
    for line in text.splitlines():
        match = re.match(r"^(#{2,4}) (.+)$", line)
        if match:
            title = match.group(2).strip()
            char = HEADING_CHARS[len(match.group(1))]
            lines.extend([title, char * len(title)])
        else:
            lines.append(line)
    return "\n".join(lines).strip() + "\n"


def heading(title, char):
    return f"{title}\n{char * len(title)}\n\n"


def render(addon):
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
    name = manifest["name"]
    parts = [heading(name, "=")]
    parts.append(f"*{manifest['summary']}*\n\n")
    parts.append(
        f"Version {manifest['version']} - licence {manifest['license']} - "
        f"status {manifest.get('development_status', 'Beta')}\n\n"
    )
    parts.append(".. contents::\n   :local:\n\n")
    for fragment, title in SECTIONS:
        path = addon / "readme" / fragment
        if not path.exists():
            continue
        if title:
            parts.append(heading(title, "-"))
        parts.append(to_rst(path.read_text()) + "\n")
    parts.append(heading("Maintainers", "-"))
    parts.append(f"Maintained by {manifest['author']}.\n")
    return "".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent / "addons"
    stale = []
    for addon in sorted(p.parent for p in root.glob("*/__manifest__.py")):
        content = render(addon)
        target = addon / "README.rst"
        if target.exists() and target.read_text() == content:
            continue
        if args.check:
            stale.append(str(target))
        else:
            target.write_text(content)
    for path in stale:
        print(f"{path} is stale: run python3 scripts/gen_readme.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
