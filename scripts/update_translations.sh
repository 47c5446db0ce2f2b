#!/usr/bin/env bash
# Refresh the French translations of the addons.
#
# Usage: scripts/update_translations.sh [--no-update] [DATABASE]
#
#   DATABASE     an existing database where the addons are installed. The
#                addons are first updated in it (-u) so that the exported
#                templates match the current code; --no-update skips that.
#                Without DATABASE, a scratch database is created (addons
#                installed without demo data), used, then dropped.
#
# For each addon of addons/ (every folder with a __manifest__.py):
#   1. re-export i18n/<addon>.pot with `odoo-bin i18n export`;
#   2. merge it into i18n/fr.po with
#      `msgmerge --update --backup=none --no-fuzzy-matching`
#      (fr.po is created from the template when missing; entries that left
#      the template are dropped, not kept as obsolete #~ entries);
#   3. print how many entries are untranslated, and which.
# Then fill the new msgstr in fr.po and run
#   python3 -m pytest -q tests/test_translations.py
#
# Environment: ODOO_BIN and ODOO_ADDONS (Odoo's odoo-bin and its addons
# folder; by default found beside the `odoo` package that PYTHON imports, as
# scripts/cabinet does), PYTHON (default python3).
# Odoo never listens beyond loopback here (--no-http, 127.0.0.1).

set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
if [ -z "${ODOO_BIN:-}" ] || [ -z "${ODOO_ADDONS:-}" ]; then
    ODOO_ROOT="$("$PYTHON" -c '
import os, odoo
print(next(os.path.dirname(os.path.abspath(p)) for p in odoo.__path__
           if os.path.isfile(os.path.join(p, "release.py"))))
')" || { echo "update_translations: Odoo 19 cannot be imported" >&2; exit 2; }
    ODOO_BIN="${ODOO_BIN:-$ODOO_ROOT/odoo-bin}"
    ODOO_ADDONS="${ODOO_ADDONS:-$ODOO_ROOT/addons}"
fi
ADDONS_PATH="${ODOO_ADDONS},${REPO}/addons"

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }

update=1
db=""
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --no-update) update=0 ;;
        -*) echo "Unknown option: $1" >&2; usage >&2; exit 2 ;;
        *)
            if [ -n "$db" ]; then echo "Only one database, please." >&2; exit 2; fi
            db="$1" ;;
    esac
    shift
done

# --- gettext -----------------------------------------------------------------
if ! command -v msgmerge >/dev/null 2>&1; then
    echo "msgmerge is missing: installing Debian's gettext package" >&2
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq gettext
fi
for tool in msgmerge msgattrib msgfmt msginit; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool not found" >&2; exit 1; }
done

# --- addons ------------------------------------------------------------------
modules=()
for manifest in "$REPO"/addons/*/__manifest__.py; do
    modules+=("$(basename "$(dirname "$manifest")")")
done
[ ${#modules[@]} -gt 0 ] || { echo "No addon in $REPO/addons" >&2; exit 1; }
module_csv="$(IFS=,; echo "${modules[*]}")"

odoo() {
    # Server options before the subcommand for `i18n`; loopback only.
    (cd "$REPO" && "$PYTHON" "$ODOO_BIN" "$@")
}

# --- database ----------------------------------------------------------------
scratch=""
cleanup() {
    if [ -n "$scratch" ]; then
        echo "Dropping scratch database $scratch"
        dropdb --if-exists "$scratch" || echo "Could not drop $scratch" >&2
    fi
}
trap cleanup EXIT

if [ -z "$db" ]; then
    scratch="i18n_scratch_$$"
    db="$scratch"
    echo "Creating scratch database $db with ${module_csv}..."
    odoo server --addons-path="$ADDONS_PATH" -d "$db" -i "$module_csv" \
        --without-demo=True --stop-after-init --no-http \
        --http-interface=127.0.0.1 --log-level=warn
elif [ "$update" -eq 1 ]; then
    echo "Updating ${module_csv} in $db..."
    odoo server --addons-path="$ADDONS_PATH" -d "$db" -u "$module_csv" \
        --stop-after-init --no-http --http-interface=127.0.0.1 --log-level=warn
fi

# --- export and merge --------------------------------------------------------
header_only_pot() {
    # `i18n export` writes an empty file when a module has no term yet:
    # give it a header so that it is a valid template.
    local module="$1" pot="$2"
    cat >"$pot" <<EOF
# Translation of Odoo Server.
# This file contains the translation of the following modules:
# 	* ${module}
#
msgid ""
msgstr ""
"Project-Id-Version: Odoo Server 19.0\\n"
"Report-Msgid-Bugs-To: \\n"
"POT-Creation-Date: $(date -u '+%Y-%m-%d %H:%M+0000')\\n"
"PO-Revision-Date: $(date -u '+%Y-%m-%d %H:%M+0000')\\n"
"Last-Translator: \\n"
"Language-Team: \\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: \\n"
"Plural-Forms: \\n"
EOF
}

set_fr_header() {
    # Language and plural forms of French, whatever msginit/msgmerge wrote.
    local po="$1"
    "$PYTHON" - "$po" <<'EOF'
import re, sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
head, sep, rest = text.partition("\n\n")
for key, value in (("Language", "fr"),
                   ("Plural-Forms", "nplurals=2; plural=(n > 1);"),
                   ("Content-Type", "text/plain; charset=UTF-8")):
    line = '"%s: %s\\n"' % (key, value)
    if re.search(r'^"%s:.*"$' % key, head, re.M):
        head = re.sub(r'^"%s:.*"$' % key, lambda m: line, head, flags=re.M)
    else:
        head += "\n" + line
# msginit's placeholders for a new file
head = head.replace('"Last-Translator: Automatically generated\\n"',
                    '"Last-Translator: \\n"')
head = head.replace('"Language-Team: none\\n"', '"Language-Team: French\\n"')
open(path, "w", encoding="utf-8").write(head + sep + rest)
EOF
}

status=0
summary=()
for module in "${modules[@]}"; do
    i18n="$REPO/addons/$module/i18n"
    pot="$i18n/$module.pot"
    po="$i18n/fr.po"
    mkdir -p "$i18n"
    echo "Exporting $pot"
    log="$(mktemp)"
    if ! odoo --addons-path="$ADDONS_PATH" i18n export -d "$db" "$module" \
        >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "Export of $module failed" >&2
        exit 1
    fi
    grep -E 'odoo\.cli\.i18n|ERROR|CRITICAL' "$log" | sed 's/^/  /' || true
    rm -f "$log"
    [ -s "$pot" ] || header_only_pot "$module" "$pot"

    if [ -f "$po" ]; then
        msgmerge --quiet --update --backup=none --no-fuzzy-matching "$po" "$pot"
    else
        echo "Creating $po from the template"
        msginit --no-translator --locale=fr --input="$pot" --output-file="$po" \
            >/dev/null 2>&1
    fi
    msgattrib --no-obsolete --output-file="$po" "$po"
    set_fr_header "$po"
    if ! msgfmt --check-format --check-header -o /dev/null "$po"; then
        echo "msgfmt reports errors in $po" >&2
        status=1
    fi

    total=$(msgattrib --no-obsolete "$po" | grep -c '^msgid ' || true)
    total=$((total > 0 ? total - 1 : 0))   # minus the header
    untranslated=$(msgattrib --untranslated --no-obsolete "$po" \
        | grep -c '^msgid ' || true)
    untranslated=$((untranslated > 0 ? untranslated - 1 : 0))
    fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" \
        | grep -c '^msgid ' || true)
    fuzzy=$((fuzzy > 0 ? fuzzy - 1 : 0))
    summary+=("$(printf '%-60s %4d entries, %4d untranslated, %4d fuzzy' \
        "${po#"$REPO"/}" "$total" "$untranslated" "$fuzzy")")
    if [ "$untranslated" -gt 0 ]; then
        echo "Untranslated in ${po#"$REPO"/}:"
        msgattrib --untranslated --no-obsolete --no-wrap "$po" | awk '
            /^msgid /   { if (n++) p = 1; s = substr($0, 7); next }
            p && /^"/   { s = s $0; next }
            p           { gsub(/""/, "", s); print "  " s; p = 0 }'
    fi
done

echo
echo "Summary:"
printf '  %s\n' "${summary[@]}"
exit "$status"
