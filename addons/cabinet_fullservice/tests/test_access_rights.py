from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CabinetTestCommon

COLLABORATOR_GROUPS = (
    "base.group_user,cabinet_fullservice.cabinet_fullservice_group_collaborator"
)


@freeze_time("2026-10-20")
@tagged("post_install", "-at_install")
class TestAccessRights(CabinetTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collaborator_a = cls._create_cabinet_user("collab.a", COLLABORATOR_GROUPS)
        cls.collaborator_b = cls._create_cabinet_user("collab.b", COLLABORATOR_GROUPS)
        cls.manager = cls._create_cabinet_user(
            "cabinet.manager",
            "base.group_user,cabinet_fullservice.cabinet_fullservice_group_manager",
        )
        cls.mandate_a = cls._create_billing_mandate(cls.client_a)
        cls.mandate_b = cls._create_billing_mandate(cls.client_b)
        cls.client_a.cabinet_collaborator_ids = cls.collaborator_a
        cls.client_b.cabinet_collaborator_ids = cls.collaborator_b
        cls.letter_a, cls.letter_b = (
            cls.env["cabinet.mission.letter"].create(
                {"company_id": company.id, "mission_type": "invoicing"}
            )
            for company in (cls.client_a, cls.client_b)
        )
        cls.invoice_a = cls._create_client_invoice(
            cls.client_a, cls.buyer_b1, [("Maintenance", 1, 100.0, 20.0)]
        )
        cls.invoice_b = cls._create_client_invoice(
            cls.client_b, cls.buyer_b1, [("Pain", 10, 1.2, 5.5)]
        )
        cls.invoice_a.action_post()
        cls.invoice_b.action_post()

    @classmethod
    def _create_cabinet_user(cls, login, groups):
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=cls.firm.id,
            company_ids=[Command.set(cls.firm.ids)],
        )

    def _visible(self, user, model):
        domain = [("company_id", "in", (self.client_a | self.client_b).ids)]
        if model == "account.move":
            domain.append(("move_type", "=", "out_invoice"))
        return self.env[model].with_user(user).search(domain)

    def test_assignment_grants_only_the_assigned_client_company(self):
        self.assertRecordValues(
            self.collaborator_a | self.collaborator_b,
            [
                {"company_ids": (self.firm | self.client_a).ids},
                {"company_ids": (self.firm | self.client_b).ids},
            ],
        )

    def test_collaborator_finds_only_records_of_assigned_company(self):
        self.assertEqual(
            self._visible(self.collaborator_a, "cabinet.billing.mandate"),
            self.mandate_a,
        )
        self.assertEqual(
            self._visible(self.collaborator_a, "cabinet.mission.letter"),
            self.letter_a,
        )
        self.assertEqual(
            self._visible(self.collaborator_a, "account.move"), self.invoice_a
        )
        self.assertEqual(
            self._visible(self.collaborator_b, "account.move"), self.invoice_b
        )
        self.assertEqual(
            self.env["res.company"].with_user(self.collaborator_a).search([]),
            self.firm | self.client_a,
        )

    def test_collaborator_cannot_read_other_company_records(self):
        for record in (self.mandate_b, self.letter_b, self.invoice_b, self.client_b):
            with self.subTest(record=record), self.assertRaises(AccessError):
                record.with_user(self.collaborator_a).read(["display_name"])

    def test_manager_sees_every_client_company(self):
        self.assertEqual(
            self._visible(self.manager, "cabinet.billing.mandate"),
            self.mandate_a | self.mandate_b,
        )
        self.assertEqual(
            self._visible(self.manager, "cabinet.mission.letter"),
            self.letter_a | self.letter_b,
        )
        self.assertEqual(
            self._visible(self.manager, "account.move"),
            self.invoice_a | self.invoice_b,
        )

    def test_unassignment_withdraws_access_except_main_company(self):
        based_at_a = self._create_cabinet_user("collab.lyon", COLLABORATOR_GROUPS)
        based_at_a.company_ids = [Command.link(self.client_a.id)]
        based_at_a.company_id = self.client_a
        self.client_a.cabinet_collaborator_ids = self.collaborator_a | based_at_a
        self.client_a.cabinet_collaborator_ids = False
        self.assertNotIn(self.client_a, self.collaborator_a.company_ids)
        self.assertIn(self.client_a, based_at_a.company_ids)
        with self.assertRaises(AccessError):
            self.mandate_a.with_user(self.collaborator_a).read(["name"])

    def test_collaborator_cannot_assign_collaborators(self):
        with self.assertRaises(AccessError):
            self.client_b.with_user(self.collaborator_a).write(
                {"cabinet_collaborator_ids": [Command.link(self.collaborator_a.id)]}
            )
        with self.assertRaises(AccessError):
            self.client_a.with_user(self.collaborator_a).write(
                {"cabinet_collaborator_ids": [Command.link(self.collaborator_b.id)]}
            )

    def test_manager_assigns_collaborators(self):
        self.client_b.with_user(self.manager).cabinet_collaborator_ids = [
            Command.link(self.collaborator_a.id)
        ]
        self.assertIn(self.client_b, self.collaborator_a.company_ids)

    def test_collaborator_cannot_delete_mandates_or_letters(self):
        for record in (self.mandate_a, self.letter_a):
            with self.subTest(record=record), self.assertRaises(AccessError):
                record.with_user(self.collaborator_a).unlink()
