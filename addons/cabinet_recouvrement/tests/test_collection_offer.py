from freezegun import freeze_time

from odoo.tests import tagged

from .mandate_common import CollectionMandateCommon


@freeze_time("2026-10-20")
@tagged("post_install", "-at_install")
class TestCollectionOffer(CollectionMandateCommon):
    def test_no_signed_letter_means_no_offer(self):
        self._create_mission_letter(self.client_a, "collection", sign=False)
        self._create_mission_letter(self.client_a, "invoicing")
        self.assertFalse(self.client_a._cabinet_get_collection_offer("2026-10-20"))

    def test_single_offer_is_returned(self):
        for company, offer in (
            (self.client_a, "monitoring"),
            (self.client_b, "dunning"),
        ):
            self._create_mission_letter(company, offer)
            with self.subTest(offer=offer):
                self.assertEqual(
                    company._cabinet_get_collection_offer("2026-10-20"), offer
                )

    def test_strongest_offer_wins(self):
        self._create_mission_letter(self.client_a, "monitoring")
        self._create_mission_letter(self.client_a, "dunning")
        self.assertEqual(
            self.client_a._cabinet_get_collection_offer("2026-10-20"), "dunning"
        )
        self._create_mission_letter(self.client_a, "collection")
        self.assertEqual(
            self.client_a._cabinet_get_collection_offer("2026-10-20"), "collection"
        )

    def test_offer_follows_the_letters_period(self):
        self._create_mission_letter(self.client_a, "monitoring")
        self._create_mission_letter(
            self.client_a,
            "collection",
            date_start="2026-06-01",
            date_end="2026-09-30",
        )
        self._create_mission_letter(self.client_a, "dunning", date_start="2026-11-01")
        offer = self.client_a._cabinet_get_collection_offer
        self.assertEqual(offer("2026-05-31"), "monitoring")
        self.assertEqual(offer("2026-09-30"), "collection")
        self.assertEqual(offer("2026-10-20"), "monitoring")
        self.assertEqual(offer("2026-11-01"), "dunning")

    def test_closed_letter_gives_no_offer(self):
        letter = self._create_mission_letter(self.client_a, "collection")
        letter.action_close()
        self.assertFalse(self.client_a._cabinet_get_collection_offer("2026-10-20"))
