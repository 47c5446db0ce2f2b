from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CabinetDunningCommon

COLLABORATOR_GROUPS = (
    "base.group_user,cabinet_fullservice.cabinet_fullservice_group_collaborator"
)


@freeze_time("2026-10-20 06:00:00")
@tagged("post_install", "-at_install")
class TestDunningAccess(CabinetDunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collaborator_a, cls.collaborator_b = (
            new_test_user(
                cls.env,
                login=login,
                groups=COLLABORATOR_GROUPS,
                company_id=cls.firm.id,
                company_ids=[Command.set(cls.firm.ids)],
            )
            for login in ("rec.collab.a", "rec.collab.b")
        )
        cls.client_a.cabinet_collaborator_ids = cls.collaborator_a
        cls.client_b.cabinet_collaborator_ids = cls.collaborator_b
        cls.policy_b = cls._create_pol_fr_policy(cls.client_b)
        cls.client_b.cabinet_dunning_policy_id = cls.policy_b
        cls._create_mission_letter(cls.client_b, "dunning")
        cls.level_1.requires_validation = True
        cls.policy_b.level_ids[0].requires_validation = True
        cls._create_due_invoice(cls.client_a, cls.buyer_b1, 400.0, "2026-10-17")
        cls._create_due_invoice(cls.client_b, cls.buyer_b1, 90.0, "2026-10-17")
        for company in (cls.client_a, cls.client_b):
            cls.env["cabinet.dunning.dispute"].create(
                {
                    "name": "Litige",
                    "company_id": company.id,
                    "partner_id": cls.buyer_b2.id,
                }
            )

    def _env_of(self, user, company):
        return self.env(user=user, context={"allowed_company_ids": company.ids})

    def test_collaborator_sees_only_the_records_of_assigned_company(self):
        self._run(company=self.client_a)
        self._run(company=self.client_b)
        env_a = self.env(user=self.collaborator_a)
        for model in (
            "cabinet.dunning.communication",
            "cabinet.dunning.communication.line",
            "cabinet.dunning.run",
            "cabinet.dunning.dispute",
        ):
            with self.subTest(model=model):
                records = env_a[model].search([])
                self.assertEqual(records.company_id, self.client_a)
        policies = env_a["cabinet.dunning.policy"].search([])
        self.assertEqual(policies.company_id, self.client_a)
        self.assertIn(
            self.env.ref("cabinet_recouvrement.cabinet_dunning_policy_short"),
            policies,
        )
        communication_b = self.Communication.search(
            [("company_id", "=", self.client_b.id)]
        )
        with self.assertRaises(AccessError):
            communication_b.with_user(self.collaborator_a).read(["state"])

    def test_collaborator_validates_a_reminder_of_their_client(self):
        self._run(company=self.client_a)
        communication = self.Communication.search(
            [("company_id", "=", self.client_a.id)]
        )
        env_a = self._env_of(self.collaborator_a, self.client_a)
        communication.with_env(env_a).action_validate()
        self.assertRecordValues(
            communication,
            [{"state": "sent", "validated_by_id": self.collaborator_a.id}],
        )

    def test_collaborator_runs_a_preview_and_records_a_promise(self):
        env_a = self._env_of(self.collaborator_a, self.client_a)
        run = env_a["cabinet.dunning.run"]._cabinet_run_company(
            self.client_a, self.TODAY, dry_run=True
        )
        self.assertEqual(run.proposal_count, 1)
        promise = env_a["cabinet.payment.promise"].create(
            {
                "company_id": self.client_a.id,
                "partner_id": self.buyer_b1.id,
                "date": "2026-10-30",
            }
        )
        self.assertEqual(promise.state, "open")

    def test_collaborator_cannot_edit_policies(self):
        with self.assertRaises(AccessError):
            self.policy.with_user(self.collaborator_a).write({"name": "Mine"})
