from odoo import api, fields, models

# The three collection offers of the seed, strongest first: a client under a
# collection mandate also gets reminders, and dunning includes monitoring.
COLLECTION_OFFERS = ("collection", "dunning", "monitoring")


class ResCompany(models.Model):
    _inherit = "res.company"

    cabinet_dunning_policy_id = fields.Many2one(
        comodel_name="cabinet.dunning.policy",
        string="Dunning Policy",
        domain="[('company_id', '=', id)]",
    )
    cabinet_collector_id = fields.Many2one(
        comodel_name="res.users",
        string="Collector",
        domain="[('share', '=', False)]",
        help="Collaborator calling the debtors and validating letters.",
    )
    cabinet_dunning_first_contact = fields.Selection(
        selection=[
            ("first_level", "First contact starts at the first level"),
            ("highest_level", "Apply the highest level reached"),
        ],
        string="First Reminder",
        required=True,
        default="first_level",
        help="For instalments never reminded. With the highest level, a "
        "hand-over to collection is only proposed and needs a confirmation.",
    )
    cabinet_promise_horizon_days = fields.Integer(
        string="Promise Horizon (days)",
        default=30,
        help="A debtor can promise online to pay within this number of days; "
        "beyond, it has to ask for a payment plan.",
    )

    cabinet_late_interest_rate = fields.Float(
        string="Contract Late-Interest Rate (%)",
        digits=(16, 4),
        help="Late-payment interest rate stated in the company's terms of sale. "
        "0 = the statutory rate (ECB rate + 10 points, at least three times "
        "the legal rate). A debtor can carry its own rate.",
    )
    cabinet_late_interest_warning = fields.Char(
        string="Late-Interest Rate Warning",
        compute="_compute_cabinet_late_interest_warning",
    )

    _cabinet_promise_horizon_days_positive = models.Constraint(
        "CHECK(cabinet_promise_horizon_days >= 0)",
        "The promise horizon cannot be negative.",
    )

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    @api.depends("cabinet_late_interest_rate")
    def _compute_cabinet_late_interest_warning(self):
        Rate = self.env["cabinet.penalty.rate"]
        for company in self:
            company.cabinet_late_interest_warning = Rate._get_contract_rate_warning(
                company.cabinet_late_interest_rate
            )

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
