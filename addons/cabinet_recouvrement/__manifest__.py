# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Cabinet Full Service - Receivables collection",
    "summary": "Short repeated reminders, French late-payment penalties and the "
    "amicable-collection mandate for the cabinet's client companies",
    "version": "19.0.0.1.0",
    "category": "Accounting/Accounting",
    "license": "AGPL-3",
    "author": "Cabinet Full Service contributors",
    "maintainers": ["cabinet-fullservice"],
    "website": "https://github.com/cabinet-fullservice/cabinet-fullservice",
    "development_status": "Alpha",
    "depends": ["cabinet_fullservice", "sms"],
    "data": [
        # security
        "security/ir.model.access.csv",
        "security/cabinet_collection_file_security.xml",
        "security/cabinet_collection_fee_security.xml",
        # data
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        # views
        "views/cabinet_collection_file_views.xml",
        "views/cabinet_collection_fee_views.xml",
        # reports
        "report/cabinet_collection_fee_report.xml",
        # menus
        "views/cabinet_recouvrement_menus.xml",
    ],
    "installable": True,
}
