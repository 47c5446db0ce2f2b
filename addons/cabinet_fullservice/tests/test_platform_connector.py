import hashlib
import socket
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.cabinet_fullservice.tools.afnor_client import AfnorFlowClient
from odoo.addons.cabinet_fullservice.tools.afnor_server import AfnorServer
from odoo.addons.cabinet_fullservice.tools.service_process import get_demo_supervisor

from .platform_common import PlatformTestCommon, TickingClock, load_openapi_checker


@tagged("post_install", "-at_install")
class TestPlatformConnector(PlatformTestCommon):
    def test_sent_invoice_keeps_platform_flow_id_and_exact_file(self):
        move = self._post_sendable_invoice()

        flow = self._send(move)

        server_flow = self._server_invoices()[-1]
        self.assertRecordValues(
            flow,
            [
                {
                    "state": "sent",
                    "attempts": 1,
                    "flow_id": server_flow["flowId"],
                    "ack_status": "Pending",
                    "flow_syntax": "Factur-X",
                    "flow_profile": "CIUS",
                    "last_error": False,
                }
            ],
        )
        self.assertEqual(
            flow.sha256, hashlib.sha256(flow.attachment_id.raw).hexdigest()
        )
        self.assertEqual(server_flow["sha256"], flow.sha256)
        self.assertEqual(server_flow["trackingId"], flow.tracking_id)
        self.assertIn(flow.flow_id, move.message_ids[0].body)

    def test_requests_follow_the_openapi_file(self):
        checker = load_openapi_checker()
        if not checker:
            self.skipTest("shared AFNOR reference files absent")
        self._send(self._post_sendable_invoice())
        self.server.advance()
        self._fetch()

        self.assertTrue(self.server.requests)
        for entry in self.server.requests:
            self.assertEqual(checker.request_errors(entry), [], entry["path"])

    def test_second_click_queues_nothing_and_says_so(self):
        move = self._post_sendable_invoice()
        self._send(move)

        action = move.with_user(self.collaborator).action_cabinet_send()

        self.assertIn("Already queued or sent", action["params"]["message"])
        self.assertEqual(len(move.cabinet_flow_ids), 1)
        self.assertEqual(len(self._server_invoices()), 1)

    def test_every_blocking_reason_is_listed_at_once(self):
        move = self._post_sendable_invoice()
        move.cabinet_validation_state = "invalid"
        move.cabinet_contest_state = "contested"
        move.cabinet_contest_reason = "Montant erroné"

        with self.assertRaises(UserError) as caught:
            move.with_user(self.collaborator).action_cabinet_send()

        self.assertIn("contested by the client", str(caught.exception))
        self.assertIn("blocking rule", str(caught.exception))
        self.assertFalse(move.cabinet_flow_ids)

    def test_unavailable_platform_is_retried_under_the_same_tracking_id(self):
        move = self._post_sendable_invoice()
        self.server.fail_next(503)

        flow = self._send(move)

        self.assertRecordValues(flow, [{"state": "retry", "attempts": 1}])
        self.assertIn("unavailable", flow.last_error)
        self.assertGreaterEqual(
            flow.next_attempt_at, fields.Datetime.now() + timedelta(seconds=59)
        )
        flow.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
        self.Flow._cron_send_flows()
        self.assertRecordValues(flow, [{"state": "sent", "attempts": 2}])
        self.assertEqual(len(self._server_invoices(flow.tracking_id)), 1)

    def test_throttled_platform_is_retried_after_its_retry_after(self):
        self.server.fail_next(429, retry_after=900)

        flow = self._send(self._post_sendable_invoice())

        self.assertEqual(flow.state, "retry")
        self.assertGreaterEqual(
            flow.next_attempt_at, fields.Datetime.now() + timedelta(seconds=899)
        )

    def test_platform_not_answering_in_time_is_retried(self):
        self.server.fail_next("hang")

        flow = self._send(self._post_sendable_invoice())

        self.assertEqual(flow.state, "retry")
        self.assertIn("did not answer within 2 s", flow.last_error)

    def test_too_many_failures_end_in_error(self):
        move = self._post_sendable_invoice()
        self.server.fail_next(503, count=self.Flow.MAX_ATTEMPTS)
        self._send(move)
        flow = move.cabinet_flow_id
        for _attempt in range(self.Flow.MAX_ATTEMPTS - 1):
            flow.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
            self.Flow._cron_send_flows()

        self.assertRecordValues(
            flow, [{"state": "error", "attempts": self.Flow.MAX_ATTEMPTS}]
        )

    def test_permanent_errors_are_shown_on_the_invoice(self):
        for status, text in ((401, "authentication"), (422, "could not process")):
            with self.subTest(status=status):
                move = self._post_sendable_invoice()
                self.server.fail_next(status)

                flow = self._send(move)

                self.assertRecordValues(flow, [{"state": "error", "attempts": 1}])
                self.assertIn(text, move.cabinet_flow_error)
                self.assertEqual(move.cabinet_flow_state, "error")
                self.assertIn(text, move.message_ids[0].body)

    def test_invoice_in_error_is_sent_again_with_the_same_file(self):
        move = self._post_sendable_invoice()
        self.server.fail_next(401)
        flow = self._send(move)
        attachment, tracking_id = flow.attachment_id, flow.tracking_id

        self._send(move)

        self.assertRecordValues(
            flow,
            [
                {
                    "state": "sent",
                    "attachment_id": attachment.id,
                    "tracking_id": tracking_id,
                }
            ],
        )

    def test_crash_after_submission_never_sends_a_second_invoice(self):
        move = self._post_sendable_invoice()
        move.with_user(self.collaborator).action_cabinet_send()
        flow = move.cabinet_flow_id
        # The run marked the flow "sending" and committed, submitted it, then
        # died before recording the answer.
        flow._ensure_file()
        flow.write({"state": "sending", "attempts": 1})
        client = self.account._get_client(self.client_a)
        accepted = client.submit_flow(
            flow.filename, flow.attachment_id.raw, "Factur-X", flow.tracking_id
        )

        self.Flow._cron_send_flows()

        self.assertRecordValues(
            flow, [{"state": "sent", "attempts": 2, "flow_id": accepted["flowId"]}]
        )
        self.assertEqual(len(self._server_invoices(flow.tracking_id)), 1)

    def test_duplicate_answer_keeps_the_original_flow_and_statuses(self):
        move = self._post_sendable_invoice()
        move.with_user(self.collaborator).action_cabinet_send()
        flow = move.cabinet_flow_id
        flow._ensure_file()
        client = self.account._get_client(self.client_a)
        accepted = client.submit_flow(
            flow.filename, flow.attachment_id.raw, "Factur-X", flow.tracking_id
        )
        self.Status.create({"move_id": move.id, "code": "205"})

        self.Flow._cron_send_flows()
        self._fetch()

        self.assertRecordValues(
            flow,
            [{"state": "sent", "flow_id": accepted["flowId"], "ack_status": "Pending"}],
        )
        self.assertEqual(move.cabinet_status_code, "205")

    def test_shared_account_sends_the_company_siren_as_organization_id(self):
        self.account.company_ids = self.client_a + self.client_b

        self._send(self._post_sendable_invoice())

        headers = self.server.requests_to("/v1/flows", "POST")[-1]["headers"]
        self.assertEqual(headers.get("Organization-Id"), "123456782")

    def test_single_company_account_sends_its_organization_id(self):
        self.account.organization_id = "ORG-ATELIER"

        self._send(self._post_sendable_invoice())

        headers = self.server.requests_to("/v1/flows", "POST")[-1]["headers"]
        self.assertEqual(headers.get("Organization-Id"), "ORG-ATELIER")

    def test_client_secret_is_never_logged_nor_shown(self):
        secret = "s3cret-Do-Not-Leak"
        server = AfnorServer(
            clock=TickingClock(), client_id="cabinet", client_secret="right-one"
        )
        server.start()
        self.addCleanup(server.stop)
        self.account.write(
            {
                "base_url": server.base_url,
                "token_url": server.token_url,
                "client_id": "cabinet",
                "client_secret": secret,
            }
        )
        move = self._post_sendable_invoice()

        with self.assertLogs("odoo.addons.cabinet_fullservice", "DEBUG") as logs:
            flow = self._send(move)

        self.assertEqual(flow.state, "error")
        self.assertIn("token", flow.last_error)
        texts = [*logs.output, flow.last_error, *move.message_ids.mapped("body")]
        self.assertFalse([text for text in texts if secret in text])
        with self.assertRaises(AccessError):
            self.account.with_user(self.collaborator).read(["client_secret"])

    def test_collaborator_reads_flows_of_their_companies_only(self):
        self._send(self._post_sendable_invoice())
        self._create_billing_mandate(self.client_b)
        other = self._post_sendable_invoice(company=self.client_b)
        self._send(other, user=self.env.user)

        visible = self.Flow.with_user(self.collaborator).search([])

        self.assertEqual(visible.company_id, self.client_a)

    def test_demo_platform_is_started_on_demand_and_restarted(self):
        port = self._free_port()
        self.env["ir.config_parameter"].set_param(
            "cabinet_fullservice.demo_platform_port", port
        )
        demo = self.env.ref("cabinet_fullservice.cabinet_platform_account_demo")
        self.assertEqual(
            self.Flow.env["cabinet.platform.account"]._get_for_company(self.client_b),
            demo,
        )

        self.assertTrue(demo._get_client(self.client_b).healthcheck())
        supervisor = get_demo_supervisor(port, "unused")
        self.addCleanup(supervisor.stop)
        first_pid = supervisor.process.pid
        supervisor.process.kill()
        supervisor.process.wait()

        client = demo._get_client(self.client_b)
        self.assertIsInstance(client, AfnorFlowClient)
        self.assertTrue(client.healthcheck())
        self.assertNotEqual(supervisor.process.pid, first_pid)

    def _free_port(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]
