from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .mandate_common import CollectionMandateCommon

COLLABORATOR_GROUPS = (
    "base.group_user,cabinet_fullservice.cabinet_fullservice_group_collaborator"
)


@freeze_time("2026-10-05")
@tagged("post_install", "-at_install")
class TestCollectionAccess(CollectionMandateCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collaborator_a = cls._create_cabinet_user(
            "rec.collab.a", COLLABORATOR_GROUPS
        )
        cls.collaborator_b = cls._create_cabinet_user(
            "rec.collab.b", COLLABORATOR_GROUPS
        )
        cls.manager = cls._create_cabinet_user(
            "rec.manager",
            "base.group_user,cabinet_fullservice.cabinet_fullservice_group_manager",
        )
        cls.client_a.cabinet_collaborator_ids = cls.collaborator_a
        cls.client_b.cabinet_collaborator_ids = cls.collaborator_b
        cls.letter_a = cls._create_mission_letter(cls.client_a, "collection")
        cls.letter_b = cls._create_mission_letter(cls.client_b, "collection")
        cls.inv_a = cls._post_invoice(cls.client_a, cls.buyer_b1, 1000.0)
        cls.inv_b = cls._post_invoice(cls.client_b, cls.buyer_b1, 1000.0)

    @classmethod
    def _create_cabinet_user(cls, login, groups):
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=cls.firm.id,
            company_ids=[Command.set(cls.firm.ids)],
        )

    def _as(self, user, model):
        return (
            self.env[model]
            .with_user(user)
            .with_context(allowed_company_ids=user.company_ids.ids)
        )

    def test_collaborators_hand_over_and_see_only_their_client(self):
        file_a = self._hand_over(self.inv_a, user=self.collaborator_a)
        file_b = self._hand_over(self.inv_b, user=self.collaborator_b)
        with freeze_time("2026-10-20"):
            self._pay(self.inv_a, 600.0, "2026-10-20", user=self.collaborator_a)
            self.assertEqual(
                self._as(self.collaborator_a, "cabinet.collection.file").search([]),
                file_a,
            )
            self.assertEqual(
                file_a.with_user(self.collaborator_a).amount_recovered, 600.0
            )
            with self.assertRaises(AccessError):
                file_b.with_user(self.collaborator_a).read(["amount_principal"])

    def test_collaborator_bills_own_client_and_sees_only_its_fees(self):
        self._hand_over(self.inv_a, user=self.collaborator_a)
        self._hand_over(self.inv_b, user=self.collaborator_b)
        with freeze_time("2026-10-20"):
            self._pay(self.inv_a, 600.0, "2026-10-20", user=self.collaborator_a)
            self._pay(self.inv_b, 300.0, "2026-10-20", user=self.collaborator_b)
        with freeze_time("2026-11-02"):
            Fee = self._as(self.collaborator_a, "cabinet.collection.fee")
            fee_a = Fee._cabinet_bill_month(self.TODAY, self.client_a)
            fee_b = self._as(
                self.collaborator_b, "cabinet.collection.fee"
            )._cabinet_bill_month(self.TODAY, self.client_b)
        self.assertRecordValues(
            (fee_a | fee_b).sudo(),
            [
                {"company_id": self.client_a.id, "amount_total": 110.0},
                {"company_id": self.client_b.id, "amount_total": 80.0},
            ],
        )
        self.assertEqual(Fee.search([]), fee_a)
        with self.assertRaises(AccessError):
            fee_b.with_user(self.collaborator_a).read(["amount_total"])
        self.assertEqual(
            self._as(self.manager, "cabinet.collection.fee").search([]),
            fee_a | fee_b,
        )

    def test_collaborator_cannot_edit_tiers(self):
        with self.assertRaises(AccessError):
            self._as(self.collaborator_a, "cabinet.collection.fee.tier").create(
                {"mission_letter_id": self.letter_a.id, "amount_from": 0.0, "rate": 5}
            )
