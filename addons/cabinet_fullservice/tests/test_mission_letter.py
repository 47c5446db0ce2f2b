import html
import re

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import CabinetTestCommon


@freeze_time("2026-10-20")
@tagged("post_install", "-at_install")
class TestMissionLetter(CabinetTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_client_company(cls.client_a)

    def _create_letter(self, **vals):
        return self.env["cabinet.mission.letter"].create(
            {
                "company_id": self.client_a.id,
                "mission_type": "collection",
                "date_start": "2026-10-01",
                "fixed_fee": 150.0,
                **vals,
            }
        )

    def _render_letter(self, letter):
        content, _report_type = self.env["ir.actions.report"]._render_qweb_html(
            "cabinet_fullservice.cabinet_mission_letter_report", letter.ids
        )
        # Compare the text whatever the markup and line breaks of the template.
        text = re.sub(r"<[^>]+>", "", content.decode())
        return " ".join(html.unescape(text).split())

    def test_collection_success_fee_outside_2_to_20_percent_refused(self):
        for rate in (1.5, 25.0):
            with (
                self.subTest(rate=rate),
                self.assertRaisesRegex(ValidationError, "between 2.0 % and 20.0 %"),
            ):
                self._create_letter(success_fee_rate=rate)

    def test_collection_success_fee_bounds_accepted(self):
        letters = self._create_letter(success_fee_rate=2.0) | self._create_letter(
            success_fee_rate=20.0
        )
        self.assertRecordValues(
            letters, [{"success_fee_rate": 2.0}, {"success_fee_rate": 20.0}]
        )

    def test_success_fee_without_fixed_fee_refused(self):
        with self.assertRaisesRegex(ValidationError, "on top of a fixed fee"):
            self._create_letter(fixed_fee=0.0, success_fee_rate=10.0)

    def test_end_date_before_start_refused(self):
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self._create_letter(date_end="2026-09-30")

    def test_letter_gets_yearly_reference_and_firm_of_the_client(self):
        form = Form(self.env["cabinet.mission.letter"])
        form.company_id = self.client_a
        form.mission_type = "invoicing"
        form.fixed_fee = 90.0
        letter = form.save()
        self.assertRegex(letter.name, r"^LM/2026/\d{4}$")
        self.assertRecordValues(
            letter,
            [{"firm_id": self.firm.id, "state": "draft", "user_id": self.env.uid}],
        )

    def test_letter_sign_close_and_reset(self):
        letter = self._create_letter()
        letter.action_sign()
        self.assertEqual(letter.state, "signed")
        letter.action_close()
        self.assertEqual(letter.state, "closed")
        letter.action_reset()
        self.assertEqual(letter.state, "draft")

    def test_collection_letter_states_r124_3_mentions(self):
        letter = self._create_letter(success_fee_rate=10.0)
        content = self._render_letter(letter)
        for mention in (
            "Atelier Fictif SARL",
            "Cabinet Exemple Conseil",
            "le fondement de la créance",
            "ne transitent jamais par le cabinet",
            "à la charge exclusive du client",
            "10.00 % des sommes",
        ):
            self.assertIn(mention, content)
        self.assertNotIn("mandat de facturation", content)

    def test_invoicing_letter_cites_billing_mandate(self):
        letter = self._create_letter(mission_type="invoicing")
        mandate = self._create_billing_mandate(
            self.client_a, mission_letter_id=letter.id
        )
        content = self._render_letter(letter)
        self.assertIn(f"Référence du mandat : {mandate.name}", content)
        self.assertIn("15 jours", content)
        self.assertNotIn("ne transitent jamais", content)
