import html
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import CabinetTestCommon

MANDATE_NOTE = (
    "Facture émise par Cabinet Exemple Conseil (SIREN 900000001) au nom et pour "
    "le compte de Atelier Fictif SARL, en vertu d'un mandat de facturation du "
    "01/01/2026."
)


@freeze_time("2026-09-10")
@tagged("post_install", "-at_install")
class TestBillingMandate(CabinetTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_client_company(cls.client_a)
        cls.collaborator = new_test_user(
            cls.env,
            login="lea.comptable",
            name="Léa Comptable",
            email="lea.comptable@cabinet-exemple.example",
            groups="base.group_user,"
            "cabinet_fullservice.cabinet_fullservice_group_collaborator",
            company_id=cls.firm.id,
            company_ids=[Command.set(cls.firm.ids)],
        )
        cls.client_a.cabinet_collaborator_ids = cls.collaborator

    def _invoice_a(self, invoice_date="2026-09-01", move_type="out_invoice"):
        return self._create_client_invoice(
            self.client_a,
            self.buyer_b1,
            [("Maintenance", 1, 100.0, 20.0)],
            invoice_date=invoice_date,
            move_type=move_type,
        )

    # -------------------------------------------------------------------------
    # Posting under mandate
    # -------------------------------------------------------------------------

    def test_posting_refused_without_mandate(self):
        move = self._invoice_a()
        with self.assertRaisesRegex(UserError, "Atelier Fictif SARL") as error:
            move.action_post()
        self.assertIn("Cabinet > Clients > Billing mandates", str(error.exception))
        self.assertIn("09/01/2026", str(error.exception))
        self.assertEqual(move.state, "draft")

    def test_posting_refused_outside_mandate_period(self):
        self._create_billing_mandate(self.client_a, date_end="2026-06-30")
        move = self._invoice_a(invoice_date="2026-09-01")
        with self.assertRaisesRegex(UserError, "No active billing mandate"):
            move.action_post()

    def test_refund_refused_when_mandate_covers_invoices_only(self):
        self._create_billing_mandate(self.client_a)
        refund = self._invoice_a(move_type="out_refund")
        with self.assertRaisesRegex(UserError, "Customer Credit Note"):
            refund.action_post()

    def test_refund_posted_when_mandate_covers_refunds(self):
        mandate = self._create_billing_mandate(self.client_a, scope_refund=True)
        refund = self._invoice_a(move_type="out_refund")
        refund.action_post()
        self.assertRecordValues(
            refund, [{"state": "posted", "cabinet_mandate_id": mandate.id}]
        )

    def test_posting_refused_before_mandate_signature_date(self):
        mandate = self._create_billing_mandate(self.client_a)
        # A later correction of the signature date (e.g. a mistyped date).
        mandate.signature_date = "2026-09-05"
        move = self._invoice_a(invoice_date="2026-09-01")
        with self.assertRaisesRegex(UserError, "before the signature"):
            move.action_post()

    def test_collaborator_posts_invoice_under_mandate(self):
        mandate = self._create_billing_mandate(self.client_a)
        move = self._invoice_a().with_user(self.collaborator)
        move.with_company(self.client_a).action_post()
        self.assertRecordValues(
            move,
            [
                {
                    "state": "posted",
                    "cabinet_mandate_id": mandate.id,
                    "cabinet_issued_under_mandate": True,
                    "cabinet_contest_deadline": fields.Date.to_date("2026-09-16"),
                    "cabinet_contest_state": "none",
                }
            ],
        )
        self.assertEqual(move._cabinet_get_mandate_send_blockers(), [])

    def test_company_outside_the_cabinet_posts_without_mandate(self):
        move = self._create_client_invoice(
            self.client_b, self.buyer_b1, [("Pain", 1, 10.0, 5.5)]
        )
        move.action_post()
        self.assertRecordValues(
            move,
            [{"state": "posted", "cabinet_mandate_id": False}],
        )

    # -------------------------------------------------------------------------
    # Mandate lifecycle
    # -------------------------------------------------------------------------

    def test_activation_requires_signature_date_and_signed_document(self):
        mandate = self._create_billing_mandate(
            self.client_a, activate=False, signed_document=False
        )
        self.assertTrue(mandate.name.startswith("MF/2026/"))
        with self.assertRaisesRegex(UserError, "upload the signed document"):
            mandate.action_activate()
        mandate.signed_document = b"UERGLTEuNA=="
        mandate.signature_date = False
        with self.assertRaisesRegex(UserError, "signature date"):
            mandate.action_activate()

    def test_activation_refused_when_signed_after_start(self):
        mandate = self._create_billing_mandate(
            self.client_a, activate=False, signature_date="2026-02-01"
        )
        with self.assertRaisesRegex(UserError, "signed on or before its start"):
            mandate.action_activate()
        self.assertEqual(mandate.state, "draft")

    def test_overlapping_active_mandates_refused(self):
        self._create_billing_mandate(self.client_a, date_end="2026-06-30")
        with (
            self.assertRaisesRegex(ValidationError, "overlaps"),
            self.env.cr.savepoint(),
        ):
            self._create_billing_mandate(
                self.client_a, signature_date="2026-06-01", date_start="2026-06-01"
            )
        following = self._create_billing_mandate(
            self.client_a, signature_date="2026-06-15", date_start="2026-07-01"
        )
        self.assertEqual(following.state, "active")

    def test_covering_mandate_follows_period_scope_and_state(self):
        mandate = self._create_billing_mandate(self.client_a, date_end="2026-12-31")
        Mandate = self.env["cabinet.billing.mandate"]
        self.assertEqual(
            Mandate._get_covering_mandate(self.client_a, "2026-09-01", "out_invoice"),
            mandate,
        )
        self.assertFalse(
            Mandate._get_covering_mandate(self.client_a, "2027-01-01", "out_invoice")
        )
        self.assertFalse(
            Mandate._get_covering_mandate(self.client_a, "2026-09-01", "out_refund")
        )
        self.assertFalse(
            Mandate._get_covering_mandate(self.client_b, "2026-09-01", "out_invoice")
        )
        mandate.action_suspend()
        self.assertFalse(
            Mandate._get_covering_mandate(self.client_a, "2026-09-01", "out_invoice")
        )

    def test_revoked_mandate_blocks_sending_of_its_invoices(self):
        mandate = self._create_billing_mandate(self.client_a)
        move = self._invoice_a()
        move.action_post()
        mandate.action_revoke()
        self.assertEqual(
            move._cabinet_get_mandate_send_blockers(),
            [f"The billing mandate {mandate.name} is no longer active."],
        )

    def test_missing_platform_consent_blocks_sending(self):
        self._create_billing_mandate(self.client_a, platform_consent=False)
        move = self._invoice_a()
        move.action_post()
        blockers = move._cabinet_get_mandate_send_blockers()
        self.assertEqual(len(blockers), 1)
        self.assertIn("approved platform", blockers[0])

    def test_cron_expires_mandates_past_their_end_date(self):
        ended = self._create_billing_mandate(self.client_a, date_end="2026-08-31")
        running = self._create_billing_mandate(self.client_b, date_end="2026-12-31")
        with patch.object(
            type(self.env["ir.cron"]), "_commit_progress", return_value=60.0
        ) as commit_progress:
            self.env["cabinet.billing.mandate"]._cron_expire(batch_size=1)
        self.assertRecordValues(
            ended | running, [{"state": "expired"}, {"state": "active"}]
        )
        commit_progress.assert_called_once_with(1, remaining=0)

    # -------------------------------------------------------------------------
    # Contest by the client
    # -------------------------------------------------------------------------

    def test_contest_within_period_flags_invoice_and_blocks_sending(self):
        self._create_billing_mandate(self.client_a)
        move = self._invoice_a()
        move.action_post()
        action = move.with_user(self.collaborator).action_cabinet_open_contest_wizard()
        wizard_form = Form(
            self.env["cabinet.contest.wizard"]
            .with_user(self.collaborator)
            .with_context(**action["context"])
        )
        wizard_form.reason = "Quantité erronée"
        wizard_form.save().action_confirm()
        self.assertRecordValues(
            move,
            [
                {
                    "cabinet_contest_state": "contested",
                    "cabinet_contest_reason": "Quantité erronée",
                    "cabinet_contest_date": fields.Date.to_date("2026-09-10"),
                }
            ],
        )
        # The sending flow sees the contest among its blockers.
        self.assertIn(
            f"{move.display_name} is contested by the client: Quantité erronée",
            move._cabinet_check_can_send(),
        )
        self.assertIn("Quantité erronée", move.message_ids[0].body)

    def test_contest_after_deadline_refused(self):
        self._create_billing_mandate(self.client_a)
        move = self._invoice_a(invoice_date="2026-08-20")
        move.action_post()
        with self.assertRaisesRegex(UserError, "289-I-5"):
            move.action_cabinet_contest("Trop tard")
        self.assertEqual(move.cabinet_contest_state, "none")

    def test_resolved_contest_no_longer_blocks_sending(self):
        self._create_billing_mandate(self.client_a)
        move = self._invoice_a()
        move.action_post()
        move.action_cabinet_contest("Prix unitaire erroné")
        move.action_cabinet_resolve_contest()
        self.assertRecordValues(move, [{"cabinet_contest_state": "resolved"}])
        self.assertEqual(move._cabinet_get_mandate_send_blockers(), [])

    # -------------------------------------------------------------------------
    # Mandate mention (PDF, BT-22)
    # -------------------------------------------------------------------------

    def test_mandate_note_names_firm_client_and_signature_date(self):
        self._create_billing_mandate(self.client_a)
        move = self._invoice_a()
        self.assertEqual(move._cabinet_get_mandate_note(), "")
        move.action_post()
        self.assertEqual(move._cabinet_get_mandate_note(), MANDATE_NOTE)

    def test_invoice_pdf_shows_mandate_note(self):
        self._create_billing_mandate(self.client_a)
        move = self._invoice_a()
        move.action_post()
        content, _report_type = self.env["ir.actions.report"]._render_qweb_html(
            "account.report_invoice", move.ids
        )
        self.assertIn(MANDATE_NOTE, html.unescape(content.decode()))
