from decimal import Decimal

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.cabinet_fullservice.tools import cdar, validator

from .platform_common import CDAR_XSD, CDAR_XSLT, PlatformTestCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-10-20 10:00:00")
class TestCdarEncaissee(PlatformTestCommon):
    def _pay(self, move, amount, date):
        """Register a payment of ``amount`` as a user of client A."""
        wizard = (
            self.env["account.payment.register"]
            .with_user(self.collaborator)
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"amount": amount, "payment_date": date})
        )
        return wizard._create_payments()

    def _post_rc20_invoice(self):
        """RC-20: services of CA to B1, VAT on receipts, 800 @ 20 % and
        200 @ 10 % (1,180.00 incl. VAT)."""
        ChartTemplate = self.env["account.chart.template"].with_company(self.client_a)
        lines = [
            ("Mission de conseil", 800.0, "tva_normale_encaissement"),
            ("Formation", 200.0, "tva_intermediaire_encaissement"),
        ]
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "company_id": self.client_a.id,
                "partner_id": self.buyer_b1.id,
                "invoice_date": "2026-09-01",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": name,
                            "price_unit": price,
                            "tax_ids": [Command.set(ChartTemplate.ref(tax).ids)],
                        }
                    )
                    for name, price, tax in lines
                ],
            }
        )
        move.action_post()
        move.cabinet_validation_state = "valid"
        return move

    def _sent_rc20_invoice(self):
        move = self._post_rc20_invoice()
        self._send(move)
        return move

    def _collected(self, move):
        return move.cabinet_status_ids.filtered(
            lambda status: status.code == "212"
        ).sorted("id")

    def test_each_payment_reports_its_cash_per_vat_rate_rc20(self):
        move = self._sent_rc20_invoice()

        self._pay(move, 590.0, "2026-10-05")
        self._pay(move, 590.0, "2026-10-20")

        statuses = self._collected(move)
        self.assertRecordValues(
            statuses,
            [
                {"amount": 590.0, "source": "product", "emitter_role": "SE"},
                {"amount": 590.0, "source": "product", "emitter_role": "SE"},
            ],
        )
        for status in statuses:
            message = cdar.parse_status_message(status.outbox_flow_id.attachment_id.raw)
            self.assertEqual(message["status_code"], "212")
            self.assertEqual(message["invoice_number"], move.name)
            self.assertEqual(
                message["amounts"],
                [
                    ("MEN", Decimal(20), Decimal("480.00")),
                    ("MEN", Decimal(10), Decimal("110.00")),
                ],
            )
        self.assertEqual(move.cabinet_status_code, "212")

    def test_a_payment_is_reported_once(self):
        move = self._sent_rc20_invoice()
        self._pay(move, 590.0, "2026-10-05")

        move._cabinet_report_collections()
        move._cabinet_report_collections()

        self.assertEqual(len(self._collected(move)), 1)
        self.assertEqual(
            len(move.cabinet_flow_ids.filtered(lambda f: f.message_type == "status")),
            1,
        )

    def test_rounding_never_drifts_over_uneven_payments(self):
        move = self._sent_rc20_invoice()

        for amount in (333.33, 333.33, 513.34):
            self._pay(move, amount, "2026-10-05")

        details = [
            item for status in self._collected(move) for item in status.amount_details
        ]
        by_rate = {}
        for item in details:
            by_rate[item["rate"]] = by_rate.get(item["rate"], 0) + float(item["amount"])
        self.assertAlmostEqual(by_rate["20.0"], 960.0)
        self.assertAlmostEqual(by_rate["10.0"], 220.0)

    def test_payment_before_sending_is_reported_once_sent(self):
        move = self._post_rc20_invoice()
        self._pay(move, 1180.0, "2026-10-05")
        self.assertFalse(self._collected(move))
        # The Factur-X section asks for a new check after the payment.
        move.cabinet_validation_state = "valid"

        self._send(move)

        self.assertRecordValues(self._collected(move), [{"amount": 1180.0}])

    def test_credit_note_matching_is_not_cash(self):
        move = self._sent_rc20_invoice()
        self.mandate_a.scope_refund = True
        refund = move._reverse_moves()
        # Posting the reversal matches it with the invoice.
        refund.action_post()

        self.assertEqual(move.payment_state, "reversed")
        self.assertFalse(self._collected(move))

    def test_212_is_sent_to_the_platform_as_a_lifecycle_flow(self):
        move = self._sent_rc20_invoice()
        self._pay(move, 590.0, "2026-10-05")

        self.Flow._cron_send_flows()

        flow = self._collected(move).outbox_flow_id
        self.assertRecordValues(
            flow, [{"state": "sent", "flow_syntax": "CDAR", "message_type": "status"}]
        )
        on_platform = self.server.store.flows[flow.flow_id]["meta"]
        self.assertEqual(on_platform["flowSyntax"], "CDAR")
        self.assertEqual(on_platform["flowType"], "CustomerInvoiceLC")
        self.assertEqual(on_platform["sha256"], flow.sha256)

    def test_212_passes_the_cdar_schema_and_french_rules(self):
        if not (CDAR_XSD.exists() and CDAR_XSLT.exists()):
            self.skipTest("shared CDAR reference files absent")
        move = self._sent_rc20_invoice()
        self._pay(move, 590.0, "2026-10-05")
        xml = self._collected(move).outbox_flow_id.attachment_id.raw

        report = validator.validate(
            xml, [{"xsd": str(CDAR_XSD)}, {"xslt": str(CDAR_XSLT)}]
        )

        self.assertTrue(report.ok, report.format_text())
