from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .debtor_portal_common import CabinetDebtorPortalCommon


@freeze_time("2026-10-20 06:00:00")
@tagged("post_install", "-at_install")
class TestDebtorPortalRequests(CabinetDebtorPortalCommon):
    """What the debtor's requests from the portal do to the collection:
    made as the controllers do, in sudo on behalf of the public user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._create_due_invoice(
            cls.client_a, cls.buyer_b1, 300.0, "2026-10-17"
        )
        cls.other = cls._create_due_invoice(
            cls.client_a, cls.buyer_b1, 120.0, "2026-10-16"
        )
        cls.author = cls.buyer_b1

    def _as_visitor(self, moves):
        return moves.with_user(self.env.ref("base.public_user")).sudo()

    def _reminded(self, date):
        """The invoices of B1 in the communication sent on ``date``."""
        self._run(date)
        return (
            self._communications()
            .filtered(lambda com: com.date.isoformat() == date)
            .line_ids.move_id
        )

    def test_dispute_stops_the_reminders_of_its_invoice(self):
        dispute = self._as_visitor(self.invoice)._cabinet_portal_open_dispute(
            "Goods returned on 10/10", self.author
        )
        self.assertRecordValues(
            dispute,
            [
                {
                    "company_id": self.client_a.id,
                    "partner_id": self.buyer_b1.id,
                    "move_ids": self.invoice.ids,
                    "name": "Goods returned on 10/10",
                    "state": "open",
                }
            ],
        )
        self.assertEqual(self._reminded("2026-10-20"), self.other | self.invoice_a)
        self.assertNotIn(self.invoice, self._communications().line_ids.move_id)
        activity = self.invoice.activity_ids
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("Handle the dispute of Client Modèle SA", activity.summary)
        self.assertIn(
            "Dispute opened by the debtor: Goods returned on 10/10",
            self.invoice.message_ids[0].body,
        )
        self.assertEqual(self.invoice.message_ids[0].author_id, self.buyer_b1)

    def test_promise_within_the_horizon_only(self):
        moves = self._as_visitor(self.invoice)
        for promised, message in (
            ("2026-10-19", "from today on"),
            ("2026-11-20", "by 11/19/2026 at the latest"),
            ("not a date", "from today on"),
        ):
            with (
                self.subTest(date=promised),
                self.assertRaisesRegex(UserError, message),
            ):
                moves._cabinet_portal_promise(promised, self.author)
        self.client_a.cabinet_promise_horizon_days = 45
        promise = moves._cabinet_portal_promise("2026-11-20", self.author)
        self.assertRecordValues(
            promise, [{"date": date(2026, 11, 20), "amount": 300.0, "state": "open"}]
        )
        self.assertEqual(promise.activity_ids.user_id, self.collector)
        self.assertIn(
            "The debtor promised to pay by 2026-11-20.",
            self.invoice.message_ids[0].body,
        )

    def test_promise_pauses_reminders_and_a_broken_one_resumes_them(self):
        promise = self._as_visitor(self.invoice)._cabinet_portal_promise(
            "2026-10-25", self.author
        )
        self.assertEqual(self._reminded("2026-10-20"), self.other | self.invoice_a)

        # Not paid by the 25th: the run of the 27th breaks the promise.
        self.assertIn(self.invoice, self._reminded("2026-10-27"))
        self.assertEqual(promise.state, "broken")
        arrangements = self.invoice._cabinet_get_portal_arrangements()
        self.assertEqual(arrangements["broken_promises"], promise)
        self.assertFalse(arrangements["promises"])
        html = self.env["ir.qweb"]._render(
            "cabinet_recouvrement.portal_cabinet_arrangements",
            {
                "invoice": self.invoice,
                "cabinet_arrangements": {self.invoice.id: arrangements},
                "cabinet_error": False,
                "cabinet_success": False,
            },
        )
        self.assertIn("Promise of 10/25/2026 not kept", " ".join(html.split()))

    def test_plan_request_is_a_draft_plan_for_the_collector(self):
        moves = self._as_visitor(self.invoice | self.other)
        with self.assertRaisesRegex(UserError, "2 to 12 instalments"):
            moves._cabinet_portal_request_plan("13", "", self.author)
        plan = moves._cabinet_portal_request_plan("3", "Seasonal business", self.author)
        self.assertRecordValues(
            plan,
            [
                {
                    "state": "draft",
                    "company_id": self.client_a.id,
                    "partner_id": self.buyer_b1.id,
                    "move_ids": (self.invoice | self.other).ids,
                }
            ],
        )
        self.assertRecordValues(
            plan.line_ids,
            [
                {"date": date(2026, 11, 20), "amount": 140.0},
                {"date": date(2026, 12, 20), "amount": 140.0},
                {"date": date(2027, 1, 20), "amount": 140.0},
            ],
        )
        self.assertIn("3 instalments. Seasonal business", plan.message_ids[0].body)
        self.assertEqual(
            self.other.activity_ids.summary,
            "Answer the payment plan request of Client Modèle SA",
        )
        # A draft plan stops nothing: the collector agrees it first.
        self.assertIn(self.invoice, self._reminded("2026-10-20"))
