from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from .mandate_common import CollectionMandateCommon


@freeze_time("2026-10-20")
@tagged("post_install", "-at_install")
class TestCollectionFile(CollectionMandateCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_mission_letter(cls.client_a, "collection")
        cls._create_mission_letter(cls.client_b, "collection")
        # 1,000.00 + 20 % = 1,200.00; 500.00 + 20 % = 600.00
        cls.inv_a1 = cls._post_invoice(cls.client_a, cls.buyer_b1, 1000.0)
        cls.inv_a2 = cls._post_invoice(cls.client_a, cls.buyer_b1, 500.0)
        cls.inv_a3 = cls._post_invoice(cls.client_a, cls.buyer_b2, 500.0)
        cls.inv_b1 = cls._post_invoice(cls.client_b, cls.buyer_b1, 1000.0)

    def test_hand_over_groups_per_client_and_debtor(self):
        moves = self.inv_a1 | self.inv_a2 | self.inv_a3 | self.inv_b1
        files = self._hand_over(moves).sorted("id")
        self.assertEqual(len(files), 3)
        self.assertRecordValues(
            files.sorted(lambda f: (f.company_id.id, f.partner_id.id)),
            [
                {
                    "company_id": self.client_a.id,
                    "partner_id": self.buyer_b1.id,
                    "move_ids": (self.inv_a1 | self.inv_a2).ids,
                    "amount_principal": 1800.0,
                    "state": "open",
                    "date": self._frozen_date(),
                },
                {
                    "company_id": self.client_a.id,
                    "partner_id": self.buyer_b2.id,
                    "move_ids": self.inv_a3.ids,
                    "amount_principal": 600.0,
                    "state": "open",
                    "date": self._frozen_date(),
                },
                {
                    "company_id": self.client_b.id,
                    "partner_id": self.buyer_b1.id,
                    "move_ids": self.inv_b1.ids,
                    "amount_principal": 1200.0,
                    "state": "open",
                    "date": self._frozen_date(),
                },
            ],
        )
        for collection_file in files:
            self.assertRegex(collection_file.name, r"^REC/2026/\d{4}$")

    def _frozen_date(self):
        return self.inv_a1.invoice_date.replace(month=10, day=20)

    def test_hand_over_twice_changes_nothing(self):
        files = self._hand_over(self.inv_a1 | self.inv_a2)
        again = self._hand_over(self.inv_a1 | self.inv_a2)
        self.assertEqual(again, files)
        self.assertEqual(len(files.line_ids), 2)

    def test_later_invoice_joins_the_open_file(self):
        collection_file = self._hand_over(self.inv_a1)
        self.assertEqual(self._hand_over(self.inv_a2), collection_file)
        self.assertEqual(collection_file.move_ids, self.inv_a1 | self.inv_a2)

    def test_new_file_when_previous_one_is_closed(self):
        collection_file = self._hand_over(self.inv_a1)
        collection_file.action_close()
        new_file = self._hand_over(self.inv_a2)
        self.assertNotEqual(new_file, collection_file)
        self.assertEqual(new_file.move_ids, self.inv_a2)

    def test_paid_or_draft_invoices_are_not_handed_over(self):
        # RC-30: B1 paid the 1,200.00 principal before the hand-over: there is
        # no claim left to collect, hence no file and no success fee on it.
        self._pay(self.inv_a1, 1200.0, "2026-10-05")
        draft = self._create_client_invoice(
            self.client_a, self.buyer_b1, [("Prestation", 1, 100.0, 20.0)]
        )
        self.assertFalse(self._hand_over(self.inv_a1 | draft))

    def test_principal_is_the_residual_at_hand_over(self):
        self._pay(self.inv_a1, 200.0, "2026-10-01")
        collection_file = self._hand_over(self.inv_a1)
        self.assertRecordValues(
            collection_file,
            [{"amount_principal": 1000.0, "amount_recovered": 0.0}],
        )

    def test_recovered_counts_only_payments_after_hand_over(self):
        self._pay(self.inv_a1, 200.0, "2026-10-01")
        collection_file = self._hand_over(self.inv_a1 | self.inv_a2)
        with freeze_time("2026-10-26"):
            self._pay(self.inv_a1, 300.0, "2026-10-26")
            self.assertRecordValues(
                collection_file,
                [{"amount_recovered": 300.0, "amount_claimed": 1300.0}],
            )
        with freeze_time("2026-11-03"):
            self._pay(self.inv_a1, 700.0, "2026-11-03")
            self._pay(self.inv_a2, 600.0, "2026-11-03")
            collection_file.invalidate_recordset()
            self.assertRecordValues(
                collection_file,
                [
                    {
                        "amount_principal": 1600.0,
                        "amount_recovered": 1600.0,
                        "amount_claimed": 0.0,
                    }
                ],
            )
            recoveries = collection_file._cabinet_get_recoveries(
                self._frozen_date().replace(month=11, day=1)
            )
        self.assertEqual(
            [(r["line"].move_id, r["amount"]) for r in recoveries],
            [(self.inv_a1, 700.0), (self.inv_a2, 600.0)],
        )

    def test_credit_note_is_not_a_recovery(self):
        collection_file = self._hand_over(self.inv_a1)
        refund = self.inv_a1._reverse_moves(
            [{"invoice_date": "2026-10-20"}], cancel=True
        )
        self.assertEqual(refund.state, "posted")
        self.assertEqual(self.inv_a1.payment_state, "reversed")
        collection_file.invalidate_recordset()
        self.assertEqual(collection_file.amount_recovered, 0.0)

    def test_penalties_read_through_the_hook(self):
        self.assertEqual(
            self.env["cabinet.collection.file"]._cabinet_get_move_penalties(
                self.inv_a1, self._frozen_date()
            ),
            {"interest": 0.0, "indemnity": 0.0},
        )
        penalties = {"interest": 13.58, "indemnity": 40.0, "rate": 12.15}
        with patch.object(
            type(self.env["account.move"]),
            "_cabinet_get_late_penalties",
            create=True,
            new=lambda move, as_of_date: penalties,
        ):
            collection_file = self._hand_over(self.inv_a1)
        collection_file.amount_accessories = 10.0
        self.assertRecordValues(
            collection_file,
            [
                {
                    "amount_principal": 1200.0,
                    "amount_interest": 13.58,
                    "amount_indemnity": 40.0,
                    "amount_claimed": 1263.58,
                }
            ],
        )

    def test_debtor_pays_the_creditors_account(self):
        collection_file = self._hand_over(self.inv_a1)
        self.assertEqual(collection_file.bank_account_id, self.bank_a)
        self.assertEqual(collection_file.firm_id, self.firm)

    def test_letter_mentions_repeat_the_first_letter(self):
        collection_file = self._hand_over(self.inv_a1)
        collection_file._cabinet_register_letter("REC/2026/0001-L1", "2026-10-20")
        collection_file._cabinet_register_letter("REC/2026/0001-L2", "2026-10-27")
        text = "\n".join(collection_file._cabinet_get_letter_mentions())
        for expected in (
            "Cabinet Exemple Conseil",
            "expert-comptable, recouvrement amiable de créances à titre accessoire",
            "Créancier : Atelier Fictif SARL",
            "principal 1\N{NO-BREAK SPACE}200,00",
            "IBAN FR76 3000 6000 0112 3456 7890 189",
            (
                "frais de recouvrement entrepris sans titre exécutoire restent à "
                "la charge du créancier"
            ),
            "premier courrier : REC/2026/0001-L1, du 20/10/2026",
        ):
            with self.subTest(expected=expected):
                self.assertIn(expected, text)
        self.assertNotIn("FR76 1010 7001 0112 3456 7890 129", text)

    def test_first_letter_mention_absent_before_any_letter(self):
        collection_file = self._hand_over(self.inv_a1)
        mentions = collection_file._cabinet_get_letter_mentions()
        self.assertEqual(len(mentions), 5)
        self.assertFalse(any("premier courrier" in m for m in mentions))
