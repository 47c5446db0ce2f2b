from odoo import models

# The three collection offers of the seed, strongest first: a client under a
# collection mandate also gets reminders, and dunning includes monitoring.
COLLECTION_OFFERS = ("collection", "dunning", "monitoring")


class ResCompany(models.Model):
    _inherit = "res.company"

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_get_collection_mission_letters(self, date):
        """The signed collection-related mission letters of the client
        companies in ``self`` that cover ``date``."""
        return (
            self.env["cabinet.mission.letter"]
            .sudo()
            .search(
                [
                    ("company_id", "in", self.ids),
                    ("state", "=", "signed"),
                    ("mission_type", "in", COLLECTION_OFFERS),
                    ("date_start", "<=", date),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", date),
                ]
            )
        )

    def _cabinet_get_collection_offer(self, date):
        """The collection offer the client company subscribed for ``date``.

        :param date: the date the offer must cover
        :return: ``'collection'``, ``'dunning'``, ``'monitoring'`` or False
            when no signed mission letter covers the date; the strongest offer
            wins when several letters do.
        """
        self.ensure_one()
        types = set(
            self._cabinet_get_collection_mission_letters(date).mapped("mission_type")
        )
        return next((offer for offer in COLLECTION_OFFERS if offer in types), False)

    def _cabinet_get_collection_mission_letter(self, date):
        """The signed collection-mandate letter covering ``date``, latest
        first, or an empty recordset."""
        self.ensure_one()
        letters = self._cabinet_get_collection_mission_letters(date).filtered(
            lambda letter: letter.mission_type == "collection"
        )
        return letters.sorted(lambda letter: (letter.date_start, letter.id))[-1:]
