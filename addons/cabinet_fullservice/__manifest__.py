# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Cabinet Full Service - Invoicing under mandate",
    "summary": "Issue compliant Factur-X invoices for client companies under a "
    "billing mandate and send them through an approved platform (AFNOR API)",
    "version": "19.0.1.0.0",
    "category": "Accounting/Localizations/EDI",
    "license": "AGPL-3",
    "author": "Cabinet Full Service contributors",
    "maintainers": ["cabinet-fullservice"],
    "website": "https://github.com/cabinet-fullservice/cabinet-fullservice",
    "development_status": "Alpha",
    "depends": [
        "account",
        "account_edi_ubl_cii",
        "l10n_fr_account",
        "l10n_fr_siret",
        "mail",
        "portal",
    ],
    "external_dependencies": {
        "python": ["factur-x", "saxonche", "lxml", "python-stdnum", "requests"],
    },
    "data": [
        # security
        "security/cabinet_fullservice_groups.xml",
        "security/ir.model.access.csv",
        # menus
        "views/cabinet_fullservice_menus.xml",
    ],
    "demo": [],
    "installable": True,
    "application": True,
}
