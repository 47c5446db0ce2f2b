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
        "security/cabinet_billing_mandate_security.xml",
        "security/cabinet_mission_letter_security.xml",
        "security/cabinet_platform_account_security.xml",
        "security/cabinet_platform_flow_security.xml",
        "security/cabinet_invoice_status_security.xml",
        "security/cabinet_facturx_export_security.xml",
        # data (dossier)
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        # data (platform)
        "data/cabinet_platform_account_data.xml",
        # data (Factur-X)
        "data/cii_templates.xml",
        # views (dossier)
        "views/account_move_views.xml",
        "views/account_move_facturx_views.xml",
        "views/cabinet_billing_mandate_views.xml",
        "views/cabinet_mission_letter_views.xml",
        "views/res_company_views.xml",
        "views/res_partner_views.xml",
        # views (platform)
        "views/account_move_platform_views.xml",
        "views/cabinet_invoice_status_views.xml",
        "views/cabinet_platform_account_views.xml",
        "views/cabinet_platform_flow_views.xml",
        # wizards (dossier)
        "wizard/cabinet_contest_wizard_views.xml",
        "wizard/cabinet_facturx_export_views.xml",
        # wizards (draft intake)
        "wizard/cabinet_draft_import_views.xml",
        "wizard/cabinet_einvoice_import_views.xml",
        "wizard/cabinet_french_vat_views.xml",
        # reports (dossier)
        "report/cabinet_mission_letter_report.xml",
        "report/report_invoice.xml",
        # reports and portal (client portal)
        "report/cabinet_mission_report.xml",
        "views/cabinet_mission_portal_templates.xml",
        # menus
        "views/cabinet_fullservice_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "cabinet_fullservice/static/tests/tours/*.js",
        ],
    },
    "demo": [],
    "installable": True,
    "application": True,
}
