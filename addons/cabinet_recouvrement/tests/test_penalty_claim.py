from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .penalties_common import PenaltiesTestCommon


@freeze_time("2026-10-20")
@tagged("post_install", "-at_install")
class TestPenaltyClaim(PenaltiesTestCommon):
    """cabinet.penalty.claim: open until paid or waived (RC-30), invoicing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # RC-30: 1200.00 due 2026-09-01, L3 sent on 2026-09-26.
        cls.invoice = cls._create_late_invoice(cls.buyer_b1, 1200.0, "2026-09-01")

    def _claim_on_letter(self):
        """The claim opened by the L3 letter of 2026-09-26, as the collaborator."""
        moves = self._as_collaborator(self.invoice)
        return moves._cabinet_claim_late_penalties(
            fields.Date.from_string("2026-09-26")
        )

    def test_rc30_claim_stays_open_after_the_principal_is_paid(self):
        claim = self._claim_on_letter()
        self.assertRecordValues(
            claim,
            [{"interest_amount": 9.99, "indemnity_amount": 40.0, "state": "open"}],
        )
        self._pay(self.invoice, 1200.0, "2026-10-05")
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))

        claim.action_refresh()
        self.assertRecordValues(
            claim,
            [
                {
                    "interest_amount": 13.58,
                    "indemnity_amount": 40.0,
                    "total_amount": 53.58,
                    "state": "open",
                    "claim_date": fields.Date.from_string("2026-09-26"),
                    "computed_date": fields.Date.from_string("2026-10-20"),
                }
            ],
        )
        # The next letter refreshes the same claim, never recomputes it as 0.
        again = self._as_collaborator(self.invoice)._cabinet_claim_late_penalties(
            fields.Date.from_string("2026-11-20")
        )
        self.assertEqual(again, claim)
        self.assertEqual(claim.total_amount, 53.58)

    def test_waiver_needs_a_reason_and_is_logged(self):
        claim = self._claim_on_letter()
        with self.assertRaisesRegex(UserError, "reason"):
            claim.action_waive()
        claim.waive_reason = "Geste commercial, client fidèle"
        claim.action_waive()
        self.assertRecordValues(
            claim,
            [
                {
                    "state": "waived",
                    "waived_by_id": self.collaborator.id,
                    "waived_date": fields.Date.from_string("2026-10-20"),
                }
            ],
        )
        message = claim.message_ids.filtered(lambda m: "waived by" in m.body)
        self.assertEqual(len(message), 1)
        self.assertIn("Geste commercial, client fidèle", message.body)
        self.assertIn(self.collaborator.name, message.body)
        # A waived claim is no longer recomputed.
        claim.action_refresh()
        self.assertEqual(claim.interest_amount, 9.99)

    def test_consumer_invoice_opens_no_claim(self):
        invoice = self._create_late_invoice(self.consumer_p1, 90.0, "2026-09-15")
        claims = self._as_collaborator(invoice)._cabinet_claim_late_penalties(
            fields.Date.from_string("2026-10-20")
        )
        self.assertFalse(claims)

    def test_invoice_claims_to_the_debtor_without_vat(self):
        claim = self._claim_on_letter()
        self._pay(self.invoice, 1200.0, "2026-10-05")
        claim.action_invoice()
        penalty_invoice = claim.invoice_id
        self.assertRecordValues(
            penalty_invoice,
            [
                {
                    "move_type": "out_invoice",
                    "company_id": self.client_a.id,
                    "partner_id": self.buyer_b1.id,
                    "amount_untaxed": 53.58,
                    "amount_tax": 0.0,
                    "amount_total": 53.58,
                }
            ],
        )
        lines = penalty_invoice.invoice_line_ids
        self.assertEqual(lines.mapped("price_unit"), [13.58, 40.0])
        self.assertEqual(lines.mapped("account_id.code"), ["763100", "763800"])
        self.assertFalse(lines.tax_ids)
        self.assertEqual(claim.state, "open")

        penalty_invoice.action_post()
        self._pay(penalty_invoice, 53.58, "2026-10-20")
        self.assertEqual(claim.state, "paid")

    def test_collaborator_of_another_company_does_not_see_the_claim(self):
        claim = self._claim_on_letter()
        stranger = new_test_user(
            self.env,
            login="collab.other",
            groups="base.group_user,"
            "cabinet_fullservice.cabinet_fullservice_group_collaborator",
            company_id=self.firm.id,
            company_ids=[Command.set(self.firm.ids)],
        )
        self.client_b.cabinet_collaborator_ids = stranger
        with self.assertRaises(AccessError):
            claim.with_user(stranger).read(["total_amount"])
        with self.assertRaises(AccessError):
            self.env["cabinet.penalty.rate"].with_user(self.collaborator).create(
                {"date_from": "2027-01-01", "ecb_rate": 2.0}
            )
