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
    "depends": ["cabinet_fullservice", "sms", "account_payment"],
    "data": [
        # security
        "security/ir.model.access.csv",
        "security/cabinet_dunning_policy_security.xml",
        "security/cabinet_dunning_level_security.xml",
        "security/cabinet_dunning_communication_security.xml",
        "security/cabinet_dunning_communication_line_security.xml",
        "security/cabinet_dunning_run_security.xml",
        "security/cabinet_dunning_dispute_security.xml",
        "security/cabinet_payment_promise_security.xml",
        "security/cabinet_payment_plan_security.xml",
        "security/cabinet_payment_plan_line_security.xml",
        "security/cabinet_penalty_claim_security.xml",
        "security/cabinet_collection_file_security.xml",
        "security/cabinet_collection_fee_security.xml",
        "security/account_move_security.xml",
        # data
        "data/ir_sequence_data.xml",
        "data/mail_template_data.xml",
        "data/cabinet_dunning_policy_data.xml",
        "data/cabinet_penalty_rate_data.xml",
        "data/ir_cron_data.xml",
        # views
        "views/cabinet_dunning_policy_views.xml",
        "views/cabinet_dunning_communication_views.xml",
        "views/cabinet_dunning_dispute_views.xml",
        "views/cabinet_payment_promise_views.xml",
        "views/cabinet_payment_plan_views.xml",
        "views/cabinet_dunning_run_views.xml",
        "views/cabinet_penalty_rate_views.xml",
        "views/cabinet_penalty_claim_views.xml",
        "views/cabinet_collection_file_views.xml",
        "views/cabinet_collection_fee_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "views/res_company_views.xml",
        "views/cabinet_collection_worklist_views.xml",
        "views/cabinet_recouvrement_portal_templates.xml",
        # wizards
        "wizard/cabinet_dunning_policy_copy_views.xml",
        # reports
        "report/cabinet_dunning_letter_report.xml",
        "report/cabinet_debtor_statement_report.xml",
        "report/cabinet_collection_fee_report.xml",
        # menus
        "views/cabinet_recouvrement_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "cabinet_recouvrement/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
