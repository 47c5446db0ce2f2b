from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CabinetDunningCommon


@freeze_time("2026-10-20 06:00:00")
@tagged("post_install", "-at_install")
class TestDunningCommunication(CabinetDunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._create_due_invoice(
            cls.client_a, cls.buyer_b1, 400.0, "2026-10-17"
        )

    def test_validation_flow(self):
        collector = self.env["res.users"].create(
            {"name": "Recouvreur", "login": "recouvreur"}
        )
        self.buyer_b1.with_company(self.client_a).cabinet_collector_id = collector
        self.level_1.requires_validation = True
        self._run()
        communication = self._communications()
        self.assertRecordValues(
            communication, [{"state": "to_validate", "mail_message_id": False}]
        )
        self.assertEqual(communication.activity_ids.user_id, collector)
        self.assertFalse(self._receivable(self.invoice).cabinet_dunning_level_id)

        communication.action_validate()
        self.assertRecordValues(
            communication,
            [{"state": "sent", "validated_by_id": self.env.user.id}],
        )
        self.assertTrue(communication.mail_message_id)
        self.assertFalse(communication.activity_ids)
        self.assertRecordValues(
            self._receivable(self.invoice),
            [
                {
                    "cabinet_dunning_level_id": self.level_1.id,
                    "cabinet_dunning_last_date": self.TODAY,
                }
            ],
        )

    def test_reminder_named_in_the_debtor_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.level_1.with_context(lang="fr_FR").name = "Relance amiable"
        self.buyer_b1.lang = "fr_FR"
        self._run()
        self.assertEqual(
            self._communications().name,
            f"Relance amiable - {self.buyer_b1.display_name} - 20/10/2026",
        )

    def test_cancelled_reminder_frees_its_level(self):
        self.level_1.requires_validation = True
        self._run()
        communication = self._communications()
        communication.action_cancel()
        self.assertRecordValues(
            communication, [{"state": "cancelled", "cabinet_key": False}]
        )
        self._run()
        self.assertEqual(len(self._communications()), 2)

    def test_sent_reminder_is_immutable(self):
        self._run()
        communication = self._communications()
        self.assertEqual(communication.state, "sent")
        with self.assertRaises(UserError):
            communication.write({"date": "2026-10-21"})
        with self.assertRaises(UserError):
            communication.line_ids.write({"amount_residual": 1.0})
        with self.assertRaises(UserError):
            communication.unlink()
        with self.assertRaises(UserError):
            communication.line_ids.unlink()
        with self.assertRaises(UserError):
            communication.action_cancel()
        # What follows the sending may still be recorded.
        communication.write({"letter_printed": True})
        communication.message_post(body="Lettre postée")
