import json
import time

from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.cabinet_fullservice.tools.afnor_server import sign_callback

from .platform_common import STAND_IN_CII, PlatformTestCommon


@tagged("post_install", "-at_install")
class TestLifecycleStatus(PlatformTestCommon):
    def _sent_invoice(self):
        move = self._post_sendable_invoice()
        self._send(move)
        return move

    def test_platform_statuses_are_stored_in_order_and_latest_is_current(self):
        move = self._sent_invoice()
        for _step in range(5):
            self.server.advance()

        self._fetch()

        statuses = move.cabinet_status_ids.sorted(lambda status: status.sequence)
        self.assertEqual(statuses.mapped("code"), ["200", "202", "203", "204", "205"])
        self.assertEqual(
            statuses.mapped("emitter_role"), ["WK", "WK", "WK", "BY", "BY"]
        )
        self.assertRecordValues(
            move, [{"cabinet_status_code": "205", "cabinet_flow_state": "sent"}]
        )
        self.assertEqual(move.cabinet_flow_id.ack_status, "Ok")

    def test_fetching_again_stores_nothing_twice(self):
        move = self._sent_invoice()
        self.server.advance()
        self._fetch()
        self.account.status_cursors = False

        self._fetch()

        self.assertEqual(move.cabinet_status_ids.mapped("code"), ["200"])

    def test_statuses_arriving_in_steps_move_the_current_status(self):
        move = self._sent_invoice()
        self.server.advance()
        self.server.advance()
        self._fetch()
        self.assertEqual(move.cabinet_status_code, "202")

        self.server.advance()
        self._fetch()

        self.assertEqual(move.cabinet_status_code, "203")

    def test_status_after_approval_is_still_recorded_rc20(self):
        move = self._sent_invoice()
        self.Status.create(
            [
                {"move_id": move.id, "code": "205", "status_date": "2026-10-01 09:00"},
                {"move_id": move.id, "code": "211", "status_date": "2026-10-05 09:00"},
                # Arrives last but dated before: it does not become current.
                {"move_id": move.id, "code": "204", "status_date": "2026-09-30 09:00"},
            ]
        )

        self.assertEqual(move.cabinet_status_code, "211")
        self.assertEqual(move.search([("cabinet_status_code", "=", "211")]), move)

    def test_platform_rejection_is_recorded_with_its_reason(self):
        move = self._post_sendable_invoice()
        move.with_user(self.collaborator).action_cabinet_send()
        self.server.set_scenario(move.cabinet_flow_id.tracking_id, "rejected")
        self.Flow._cron_send_flows()
        self.server.advance()
        self.server.advance()

        self._fetch()

        self.assertEqual(move.cabinet_status_code, "213")
        self.assertRecordValues(
            move.cabinet_status_ids.filtered(lambda status: status.code == "213"),
            [{"reason_code": "REJ_SEMAN", "source": "platform", "emitter_role": "WK"}],
        )

    def test_status_of_an_unknown_invoice_is_skipped(self):
        self._sent_invoice()
        client = self.account._get_client(self.client_a)
        client.submit_flow(
            "other.xml",
            STAND_IN_CII.format(
                number="INV/2026/99999", date="20260901", seller="1", buyer="2"
            ).encode(),
            "CII",
            "not-ours-1",
        )
        self.server.advance()

        with self.assertLogs(
            "odoo.addons.cabinet_fullservice.models.cabinet_invoice_status", "WARNING"
        ) as logs:
            self._fetch()

        self.assertIn("no invoice INV/2026/99999", logs.output[0])
        self.assertEqual(self.Status.search_count([]), 1)

    def test_collaborator_reads_statuses_of_their_companies_only(self):
        move_a = self._post_sendable_invoice()
        move_b = self._create_client_invoice(
            self.client_b, self.buyer_b1, [("Pain", 1, 10.0, 5.5)]
        )
        move_b.action_post()
        self.Status.create(
            [
                {"move_id": move_a.id, "code": "200"},
                {"move_id": move_b.id, "code": "200"},
            ]
        )

        visible = self.env["cabinet.invoice.status"].with_user(self.collaborator)

        self.assertEqual(visible.search([]).move_id, move_a)

    @freeze_time("2026-10-20 10:00:00")
    def test_statuses_of_the_same_date_follow_their_arrival(self):
        move = self._post_sendable_invoice()

        statuses = self.Status.create(
            [{"move_id": move.id, "code": code} for code in ("200", "202")]
        )

        self.assertRecordValues(
            statuses,
            [
                {"sequence": 1, "status_date": fields.Datetime.now()},
                {"sequence": 2, "status_date": fields.Datetime.now()},
            ],
        )
        self.assertEqual(move.cabinet_status_code, "202")


@tagged("post_install", "-at_install")
class TestPlatformWebhook(PlatformTestCommon, HttpCase):
    def setUp(self):
        super().setUp()
        self.account.sudo().signing_key = "c2lnbmluZy1rZXktb2YtdGhlLXRlc3RzLTMyYnl0ZXMh"
        self.cron = self.env.ref(
            "cabinet_fullservice.cabinet_invoice_status_cron_fetch"
        )

    def _call(self, body, stamp, key=None):
        signature = sign_callback(body, stamp, key or self.account.sudo().signing_key)
        return self.url_open(
            f"/cabinet_fullservice/webhook/{self.account.id}",
            data=body,
            headers={
                "Content-Type": "application/json",
                "Afnor-Signature": signature,
                "Afnor-Signature-Timestamp": str(stamp),
            },
        )

    def _triggers(self):
        return (
            self.env["ir.cron.trigger"]
            .sudo()
            .search_count([("cron_id", "=", self.cron.id)])
        )

    def test_signed_callback_triggers_the_status_fetch(self):
        before = self._triggers()
        body = json.dumps({"flowId": "f-1", "flowType": "CustomerInvoiceLC"}).encode()

        response = self._call(body, int(time.time()))

        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._triggers(), before + 1)

    def test_wrong_or_stale_signature_is_refused(self):
        before = self._triggers()
        body = b'{"flowId": "f-1"}'
        wrong_key = "b3RoZXIta2V5LW9mLXRoZS10ZXN0cy0zMi1ieXRlcyE="
        cases = {
            "wrong key": (int(time.time()), wrong_key),
            "stale": (int(time.time()) - 3600, None),
        }
        for case, (stamp, key) in cases.items():
            with self.subTest(case=case):
                response = self._call(body, stamp, key)

                self.assertEqual(response.status_code, 401)
        self.assertEqual(self._triggers(), before)
