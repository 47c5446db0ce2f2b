from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CabinetDunningCommon


@freeze_time("2026-10-20 06:00:00")
@tagged("post_install", "-at_install")
class TestDunningRun(CabinetDunningCommon):
    def _rc26_invoices(self):
        return (
            self._create_due_invoice(self.client_a, self.buyer_b1, 500.0, "2026-09-05")
            | self._create_due_invoice(
                self.client_a, self.buyer_b1, 300.0, "2026-10-05"
            )
            | self._create_due_invoice(
                self.client_a, self.buyer_b1, 200.0, "2026-10-17"
            )
        )

    def test_rc26_first_contact_sends_one_first_level_letter(self):
        invoices = self._rc26_invoices()
        self._run("2026-10-20")
        communication = self._communications()
        self.assertRecordValues(
            communication,
            [
                {
                    "level_id": self.level_1.id,
                    "state": "sent",
                    "amount_residual": 1000.0,
                    "first_contact": True,
                    "handover_proposed": False,
                }
            ],
        )
        self.assertEqual(communication.line_ids.move_id, invoices)
        self.assertRecordValues(
            self._receivable(invoices),
            [{"cabinet_dunning_level_id": self.level_1.id}] * 3,
        )

        # Run 2 the next day: the next step is dated by the policy.
        self._run("2026-10-21")
        self.assertEqual(self._communications(), communication)
        # The level history records what was sent.
        self.assertEqual(invoices.cabinet_dunning_line_ids, communication.line_ids)

    def test_rc26_highest_level_only_proposes_the_handover(self):
        # RC-26's client is under the amicable-collection mandate.
        self.letter.action_close()
        self._create_mission_letter(self.client_a, "collection")
        self.client_a.cabinet_dunning_first_contact = "highest_level"
        invoices = self._rc26_invoices()
        self._run("2026-10-20")
        communication = self._communications()
        self.assertRecordValues(
            communication,
            [
                {
                    "level_id": self.level_4.id,
                    "state": "to_validate",
                    "handover_proposed": True,
                    "amount_residual": 1000.0,
                }
            ],
        )
        self.assertEqual(
            communication.line_ids.level_id,
            self.level_4 | self.level_2 | self.level_1,
        )
        # Nothing sent yet: the instalments keep no level.
        self.assertFalse(self._receivable(invoices).cabinet_dunning_level_id)

        self._run("2026-10-21")
        self.assertEqual(self._communications(), communication)

        communication.action_validate()
        self.assertRecordValues(
            self._receivable(invoices),
            [
                {"cabinet_dunning_level_id": self.level_4.id},
                {"cabinet_dunning_level_id": self.level_2.id},
                {"cabinet_dunning_level_id": self.level_1.id},
            ],
        )
        # Confirmed: the claims are handed over to one collection file.
        self.assertTrue(communication.handover_done)
        collection_file = self.env["cabinet.collection.file"].search(
            [("partner_id", "=", self.buyer_b1.id)]
        )
        self.assertEqual(collection_file.line_ids.move_id, invoices)
        self.assertEqual(collection_file.first_letter_ref, communication.name)

    def test_simple_dunning_never_reaches_the_handover_level(self):
        """Without the collection mandate, the formal notice is the last
        level: the invoice past the hand-over threshold gets it."""
        self.client_a.cabinet_dunning_first_contact = "highest_level"
        self._rc26_invoices()
        self._run("2026-10-20")
        communication = self._communications()
        self.assertRecordValues(
            communication,
            [{"level_id": self.level_3.id, "handover_proposed": False}],
        )

    def test_rc27_one_email_listing_only_the_unpaid_invoice(self):
        invoice_90 = self._create_due_invoice(
            self.client_a, self.buyer_b1, 400.0, "2026-10-17"
        )
        invoice_91 = self._create_due_invoice(
            self.client_a, self.buyer_b1, 400.0, "2026-10-17"
        )
        self._pay(invoice_91, date="2026-10-20")
        self._run("2026-10-20")
        with freeze_time("2026-10-20 06:05:00"):
            self._run("2026-10-20")
        communication = self._communications()
        self.assertRecordValues(
            communication,
            [{"level_id": self.level_1.id, "state": "sent", "amount_residual": 400.0}],
        )
        self.assertEqual(communication.line_ids.move_id, invoice_90)
        emails = communication.message_ids.filtered(
            lambda message: message.message_type == "comment"
        )
        self.assertEqual(len(emails), 1)
        self.assertEqual(communication.mail_message_id, emails)
        self.assertIn(invoice_90.name, emails.body)
        self.assertNotIn(invoice_91.name, emails.body)
        self.assertEqual(emails.partner_ids, self.buyer_b1)

    def test_rc27_two_workers_with_the_same_proposals_send_once(self):
        self._create_due_invoice(self.client_a, self.buyer_b1, 400.0, "2026-10-17")
        run = self.Run.create({"company_id": self.client_a.id, "date": "2026-10-20"})
        proposals = run._cabinet_get_proposals(
            self.client_a, run.date, self.buyer_b1, "dunning"
        )
        run._cabinet_create_communications(proposals)
        with mute_logger("odoo.sql_db"):
            run._cabinet_create_communications(proposals)
        self.assertEqual(len(self._communications()), 1)

    def test_residual_rechecked_when_validated(self):
        self.level_1.requires_validation = True
        invoice_90 = self._create_due_invoice(
            self.client_a, self.buyer_b1, 400.0, "2026-10-17"
        )
        invoice_91 = self._create_due_invoice(
            self.client_a, self.buyer_b1, 400.0, "2026-10-17"
        )
        self._run("2026-10-20")
        communication = self._communications()
        self.assertEqual(communication.line_ids.move_id, invoice_90 | invoice_91)
        self._pay(invoice_91, date="2026-10-20")
        communication.action_validate()
        self.assertRecordValues(
            communication,
            [{"state": "sent", "amount_residual": 400.0}],
        )
        self.assertEqual(communication.line_ids.move_id, invoice_90)
        self.assertFalse(self._receivable(invoice_91).cabinet_dunning_level_id)

    def test_repeats_stop_at_max_repeats(self):
        invoice = self._create_due_invoice(
            self.client_a, self.buyer_b1, 100.0, "2026-10-01"
        )
        line = self._receivable(invoice)
        # L1 at D+3 is skipped by nothing: first contact starts at L1.
        self._run("2026-10-04")
        self._run("2026-10-11")  # L2, 7 days after L1
        self._run("2026-10-18")  # repeat 1
        self._run("2026-10-24")  # too early for repeat 2
        self._run("2026-10-25")  # repeat 2
        self.assertRecordValues(
            self._communications().line_ids,
            [
                {"level_id": self.level_1.id, "repeat_index": 0},
                {"level_id": self.level_2.id, "repeat_index": 0},
                {"level_id": self.level_2.id, "repeat_index": 1},
                {"level_id": self.level_2.id, "repeat_index": 2},
            ],
        )
        # L3 is due at D+25 = 2026-10-26 but comes 7 days after the last one.
        self._run("2026-10-26")
        self.assertEqual(len(self._communications()), 4)
        self._run("2026-11-01")
        self.assertEqual(line.cabinet_dunning_level_id, self.level_3)

    def test_default_policy_sends_a_courtesy_reminder_before_due_date(self):
        template = self.env.ref("cabinet_recouvrement.cabinet_dunning_policy_short")
        policy = template._cabinet_copy_to_company(self.client_a)
        self.assertEqual(self.client_a.cabinet_dunning_policy_id, policy)
        self.assertEqual(
            policy.level_ids.mapped("delay"), template.level_ids.mapped("delay")
        )
        invoice = self._create_due_invoice(
            self.client_a, self.buyer_b1, 100.0, "2026-10-23"
        )
        self._run("2026-10-20")
        self.assertRecordValues(
            self._communications(),
            [{"tone": "courtesy", "state": "sent", "level_id": policy.level_ids[0].id}],
        )
        # D+1: the reminder follows the courtesy note.
        self._run("2026-10-24")
        self.assertEqual(
            self._receivable(invoice).cabinet_dunning_level_id, policy.level_ids[1]
        )

    def test_overdue_invoice_skips_the_courtesy_level(self):
        template = self.env.ref("cabinet_recouvrement.cabinet_dunning_policy_short")
        policy = template._cabinet_copy_to_company(self.client_a)
        self._create_due_invoice(self.client_a, self.buyer_b1, 100.0, "2026-10-18")
        self._run("2026-10-20")
        self.assertEqual(self._communications().level_id, policy.level_ids[1])

    def test_firm_level_sends_sms_and_plans_a_call_for_the_collector(self):
        collector = self.env["res.users"].create(
            {"name": "Recouvreur", "login": "recouvreur"}
        )
        self.client_a.cabinet_collector_id = collector
        self.buyer_b1.phone = "+33612345678"
        self.level_1.write({"channel_sms": True, "channel_call": True})
        self._create_due_invoice(self.client_a, self.buyer_b1, 400.0, "2026-10-17")
        self._run("2026-10-20")
        communication = self._communications()
        sms = self.env["sms.sms"].search([("partner_id", "=", self.buyer_b1.id)])
        self.assertEqual(len(sms), 1)
        self.assertIn("400", sms.body)
        self.assertRecordValues(
            communication.activity_ids,
            [
                {
                    "user_id": collector.id,
                    "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                }
            ],
        )

    def test_preview_sends_nothing(self):
        self._create_due_invoice(self.client_a, self.buyer_b1, 400.0, "2026-10-17")
        run = self._run("2026-10-20", dry_run=True)
        self.assertRecordValues(run, [{"dry_run": True, "proposal_count": 1}])
        self.assertIn(self.buyer_b1.name, run.preview_html)
        self.assertFalse(self._communications())

    def test_monitoring_offer_sends_nothing(self):
        self.letter.action_close()
        self._create_mission_letter(self.client_a, "monitoring")
        self._create_due_invoice(self.client_a, self.buyer_b1, 400.0, "2026-10-17")
        run = self._run("2026-10-20")
        self.assertRecordValues(run, [{"offer": "monitoring", "proposal_count": 1}])
        self.assertFalse(self._communications())

    def test_no_mission_letter_sends_nothing(self):
        self.letter.action_close()
        self._create_due_invoice(self.client_a, self.buyer_b1, 400.0, "2026-10-17")
        self._run("2026-10-20")
        self.assertFalse(self._communications())

    def test_collection_offer_hands_over_through_the_hook(self):
        self.letter.action_close()
        self._create_mission_letter(self.client_a, "collection")
        invoice = self._create_due_invoice(
            self.client_a, self.buyer_b1, 400.0, "2026-09-01"
        )
        self._receivable(invoice).sudo().write(
            {
                "cabinet_dunning_level_id": self.level_3.id,
                "cabinet_dunning_last_date": "2026-09-26",
            }
        )
        Run = type(self.Run)
        with patch.object(Run, "_cabinet_hand_over", return_value=True) as hand_over:
            self._run("2026-10-20")
        communication = self._communications()
        hand_over.assert_called_once()
        self.assertRecordValues(
            communication,
            [
                {
                    "level_id": self.level_4.id,
                    "offer": "collection",
                    "handover_done": True,
                }
            ],
        )

    def test_cron_commits_progress_per_batch_of_debtors(self):
        self._create_due_invoice(self.client_a, self.buyer_b1, 400.0, "2026-10-17")
        self._create_due_invoice(self.client_a, self.buyer_b2, 300.0, "2026-10-17")
        IrCron = type(self.env["ir.cron"])
        with patch.object(IrCron, "_commit_progress", return_value=60.0) as progress:
            self.Run._cron_send_reminders(batch_size=1)
        self.assertEqual(
            [call.args[0] for call in progress.call_args_list if call.args[0]], [1, 1]
        )
        self.assertEqual(len(self.Communication.search([])), 2)
        # A second worker (or a retry) sends nothing more.
        with patch.object(IrCron, "_commit_progress", return_value=60.0):
            self.Run._cron_send_reminders(batch_size=1)
        self.assertEqual(len(self.Communication.search([])), 2)

    def test_cron_stops_when_no_time_is_left(self):
        self._create_due_invoice(self.client_a, self.buyer_b1, 400.0, "2026-10-17")
        self._create_due_invoice(self.client_a, self.buyer_b2, 300.0, "2026-10-17")
        IrCron = type(self.env["ir.cron"])
        with patch.object(IrCron, "_commit_progress", return_value=0.0):
            self.Run._cron_send_reminders(batch_size=1)
        self.assertEqual(len(self.Communication.search([])), 1)
        with patch.object(IrCron, "_commit_progress", return_value=60.0):
            self.Run._cron_send_reminders(batch_size=1)
        self.assertEqual(len(self.Communication.search([])), 2)

    def test_partner_policy_override(self):
        other = self._create_pol_fr_policy(self.client_a)
        other.level_ids[0].delay = 1
        self.buyer_b1.with_company(self.client_a).cabinet_dunning_policy_id = other
        self._create_due_invoice(self.client_a, self.buyer_b1, 400.0, "2026-10-19")
        self._run("2026-10-20")
        self.assertEqual(self._communications().level_id, other.level_ids[0])

    def test_letter_lists_every_instalment_in_dunning(self):
        # Non-advanced instalments are listed with their current level.
        first = self._create_due_invoice(
            self.client_a, self.buyer_b1, 100.0, "2026-10-10"
        )
        self._run("2026-10-13")
        second = self._create_due_invoice(
            self.client_a, self.buyer_b1, 50.0, "2026-10-14"
        )
        self._run("2026-10-17")
        communication = self._communications()[-1]
        self.assertRecordValues(
            communication.line_ids,
            [
                {"move_id": first.id, "advanced": False, "level_id": self.level_1.id},
                {"move_id": second.id, "advanced": True, "level_id": self.level_1.id},
            ],
        )
        self.assertEqual(communication.amount_residual, 150.0)

    def test_tone_is_the_highest_level_listed(self):
        # An invoice reached L3 (formal notice) before; a new invoice reaches
        # L1 today: the reminder listing both speaks as the formal notice.
        self.client_a.cabinet_dunning_first_contact = "highest_level"
        first = self._create_due_invoice(
            self.client_a, self.buyer_b1, 100.0, "2026-09-15"
        )
        self._run("2026-10-10")
        self.assertEqual(self._receivable(first).cabinet_dunning_level_id, self.level_3)
        second = self._create_due_invoice(
            self.client_a, self.buyer_b1, 50.0, "2026-10-14"
        )
        self._run("2026-10-17")
        communication = self._communications()[-1]
        self.assertEqual(communication.level_id, self.level_3)
        self.assertRecordValues(
            communication.line_ids,
            [
                {"move_id": first.id, "advanced": False, "level_id": self.level_3.id},
                {"move_id": second.id, "advanced": True, "level_id": self.level_1.id},
            ],
        )

    def test_handover_takes_only_the_claims_already_due(self):
        self.letter.action_close()
        self._create_mission_letter(self.client_a, "collection")
        self.client_a.cabinet_dunning_first_contact = "highest_level"
        template = self.env.ref("cabinet_recouvrement.mail_template_dunning")
        self.policy.level_ids = [
            Command.create(
                {
                    "sequence": 0,
                    "name": "L0",
                    "delay": -3,
                    "tone": "courtesy",
                    "channel_email": True,
                    "mail_template_id": template.id,
                }
            )
        ]
        due = self._create_due_invoice(
            self.client_a, self.buyer_b1, 500.0, "2026-09-01"
        )
        not_due = self._create_due_invoice(
            self.client_a, self.buyer_b1, 80.0, "2026-10-22"
        )
        self._run("2026-10-20")
        communication = self._communications()
        self.assertEqual(communication.level_id, self.level_4)
        self.assertEqual(communication.line_ids.move_id, due | not_due)
        communication.action_validate()
        collection_file = self.env["cabinet.collection.file"].search(
            [("partner_id", "=", self.buyer_b1.id)]
        )
        self.assertEqual(collection_file.line_ids.move_id, due)
        self.assertEqual(collection_file.amount_principal, 500.0)
