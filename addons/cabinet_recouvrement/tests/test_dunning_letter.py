from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import CabinetDunningCommon


@freeze_time("2026-10-20 06:00:00")
@tagged("post_install", "-at_install")
class TestDunningLetter(CabinetDunningCommon):
    """The printed reminder letter and the debtor statement, rendered as
    HTML (what wkhtmltopdf turns into the PDF)."""

    def _render(self, report_xmlid, records):
        html, __ = self.env["ir.actions.report"]._render_qweb_html(
            report_xmlid, records.ids
        )
        return html.decode()

    def _letter(self, communication):
        return self._render(
            "cabinet_recouvrement.cabinet_dunning_letter_report", communication
        )

    def test_first_reminder_letter_lists_the_invoices_in_the_clients_name(self):
        invoices = self._create_due_invoice(
            self.client_a, self.buyer_b1, 500.0, "2026-09-05"
        ) | self._create_due_invoice(self.client_a, self.buyer_b1, 300.0, "2026-10-05")
        self._run("2026-10-20")
        communication = self._communications()
        html = self._letter(communication)
        self.assertIn("Relance pour factures impayées", html)
        for invoice in invoices:
            self.assertIn(invoice.name, html)
        # 45 and 15 days late; amounts in the client's currency.
        self.assertIn(">45<", html.replace(" ", ""))
        self.assertIn("500.00", html)
        self.assertIn("300.00", html)
        self.assertIn("Atelier Fictif SARL", html)
        # Simple dunning: no mandate mentions, no penalty block at L1.
        self.assertNotIn("L111-8", html)
        self.assertNotIn("Total réclamé", html)

    def test_formal_notice_is_registered_and_gives_a_deadline(self):
        # 28 days late, the highest level reached applies: L3 formal notice.
        self.client_a.cabinet_dunning_first_contact = "highest_level"
        invoice = self._create_due_invoice(
            self.client_a, self.buyer_b1, 1200.0, "2026-09-22"
        )
        self._run("2026-10-20")
        communication = self._communications()
        self.assertEqual(communication.level_id, self.level_3)
        # The level prints a letter: it is kept with the reminder.
        self.assertEqual(
            communication.attachment_id.name,
            f"{communication.name.replace('/', '-')}.pdf",
        )
        html = self._letter(communication)
        self.assertIn("Mise en demeure de payer", html)
        self.assertIn("Lettre recommandée", html)
        self.assertIn(invoice.name, html)
        self.assertIn("dans un délai de", html)

    def test_letter_under_the_collection_mandate_carries_the_mentions(self):
        self.letter.action_close()
        self._create_mission_letter(self.client_a, "collection")
        self._create_due_invoice(self.client_a, self.buyer_b1, 400.0, "2026-10-10")
        self._run("2026-10-20")
        communication = self._communications()
        self.assertEqual(communication.offer, "collection")
        html = self._letter(communication)
        self.assertIn("Cabinet Exemple Conseil", html)
        self.assertIn("au nom et pour le compte de notre client", html)
        self.assertIn("L111-8", html)
        self.assertIn("Aucun paiement ne doit être adressé au cabinet", html)

    def test_debtor_statement_ages_the_open_items(self):
        self._create_due_invoice(self.client_a, self.buyer_b1, 500.0, "2026-09-05")
        self._create_due_invoice(self.client_a, self.buyer_b1, 300.0, "2026-10-05")
        self._create_due_invoice(self.client_a, self.buyer_b1, 200.0, "2026-11-05")
        report = self.env[
            "report.cabinet_recouvrement.report_debtor_statement"
        ].with_company(self.client_a)
        values = report._get_report_values(self.buyer_b1.ids)
        statement = values["statements"][self.buyer_b1.id]
        self.assertEqual(
            statement["buckets"],
            {
                "not_due": 200.0,
                "1_30": 300.0,
                "31_60": 500.0,
                "61_90": 0.0,
                "over_90": 0.0,
            },
        )
        self.assertEqual(statement["total"], 1000.0)
        self.assertEqual([line["days"] for line in statement["lines"]], [45, 15, 0])
        html = self._render(
            "cabinet_recouvrement.cabinet_debtor_statement_report",
            self.buyer_b1.with_company(self.client_a),
        )
        self.assertIn("Relevé de compte", html)

    def test_promise_falls_due_in_the_collectors_worklist(self):
        collector = self.env["res.users"].create(
            {"name": "Léa Comptable", "login": "lea.collector"}
        )
        self.client_a.cabinet_collector_id = collector
        promise = self.env["cabinet.payment.promise"].create(
            {
                "company_id": self.client_a.id,
                "partner_id": self.buyer_b1.id,
                "date": "2026-10-27",
            }
        )
        action = self.env.ref("cabinet_recouvrement.cabinet_collection_worklist_action")
        worklist = self.env["mail.activity"].search(
            safe_eval(action.domain, {"uid": collector.id})
        )
        self.assertRecordValues(
            worklist, [{"res_id": promise.id, "date_deadline": promise.date}]
        )
