"""Each addon ships a template and a complete French translation."""

import re
from pathlib import Path

import pytest

ADDONS = Path(__file__).resolve().parents[1] / "addons"
PLACEHOLDER = re.compile(r"%\((\w+)\)s|%[sd]|\{\w*\}")


def _entries(path):
    """Return {msgid: msgstr} of a .po/.pot file (plural forms folded)."""
    text = path.read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n"):
        msgid = _field(block, "msgid")
        if msgid:
            entries[msgid] = _field(block, "msgstr")
    return entries


def _field(block, name):
    match = re.search(rf'^{name} "(.*)"\n((?:".*"\n?)*)', block + "\n", re.MULTILINE)
    if not match:
        return ""
    parts = [match.group(1)] + re.findall(r'^"(.*)"$', match.group(2), re.MULTILINE)
    return "".join(parts)


ADDON_NAMES = sorted(p.parent.name for p in ADDONS.glob("*/__manifest__.py"))


@pytest.mark.parametrize("addon", ADDON_NAMES)
def test_french_translation_is_complete(addon):
    pot = ADDONS / addon / "i18n" / f"{addon}.pot"
    po = ADDONS / addon / "i18n" / "fr.po"
    assert pot.exists(), f"{pot} is missing: export it with odoo-bin i18n export"
    assert po.exists(), f"{po} is missing"
    template, french = _entries(pot), _entries(po)
    missing = sorted(msgid for msgid in template if not french.get(msgid))
    assert not missing, f"{len(missing)} untranslated in {po}: {missing[:5]}"


@pytest.mark.parametrize("addon", ADDON_NAMES)
def test_french_translation_keeps_placeholders(addon):
    po = ADDONS / addon / "i18n" / "fr.po"
    if not po.exists():
        pytest.fail(f"{po} is missing")
    broken = [
        msgid
        for msgid, msgstr in _entries(po).items()
        if msgstr
        and sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr))
    ]
    assert not broken, f"placeholders differ in {po}: {broken[:5]}"
