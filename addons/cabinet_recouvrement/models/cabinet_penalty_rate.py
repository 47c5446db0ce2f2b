from decimal import Decimal

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from ..tools import penalties


class CabinetPenaltyRate(models.Model):
    """Half-year rates of French late-payment interest (C. com. L441-10).

    One row per half-year, maintained by users: the ECB main refinancing rate
    on 1 January or 1 July and the legal rate "for other cases" published for
    the half-year. National figures, shared by every company of the database.
    """

    _name = "cabinet.penalty.rate"
    _description = "Late-Payment Rate"
    _order = "date_from desc"

    name = fields.Char(compute="_compute_name")
    date_from = fields.Date(
        string="Half-Year Start",
        required=True,
        help="1 January or 1 July: the rate of that day applies to the whole "
        "half-year.",
    )
    ecb_rate = fields.Float(
        string="ECB Refinancing Rate (%)",
        digits=(16, 4),
        required=True,
        help="Main refinancing operations rate of the European Central Bank "
        "on the first day of the half-year.",
    )
    legal_rate = fields.Float(
        string="Legal Rate, Other Cases (%)",
        digits=(16, 4),
        help="Legal interest rate for creditors other than individuals, set "
        "by order for the half-year. Leave empty while it is not published: "
        "contract rates cannot be checked against the floor meanwhile.",
    )
    penalty_rate = fields.Float(
        string="ECB + 10 Points (%)",
        digits=(16, 4),
        compute="_compute_rates",
        store=True,
    )
    floor_rate = fields.Float(
        string="Floor: 3 × Legal Rate (%)",
        digits=(16, 4),
        compute="_compute_rates",
        store=True,
    )
    source = fields.Text(
        help="Where the figures come from, and whether they are confirmed.",
    )

    _date_from_uniq = models.Constraint(
        "UNIQUE(date_from)",
        "There is already a rate for this half-year.",
    )

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    @api.depends("date_from")
    def _compute_name(self):
        for rate in self:
            rate.name = rate.date_from and self._get_half_year_label(rate.date_from)

    @api.depends("ecb_rate", "legal_rate")
    def _compute_rates(self):
        for rate in self:
            row = rate._get_half_year_rate()
            rate.penalty_rate = float(row.penalty_rate)
            rate.floor_rate = float(row.floor_rate or 0)

    # -------------------------------------------------------------------------
    # Constraints
    # -------------------------------------------------------------------------

    @api.constrains("date_from")
    def _check_date_from(self):
        for rate in self:
            if (rate.date_from.month, rate.date_from.day) not in ((1, 1), (7, 1)):
                raise ValidationError(
                    self.env._("A late-payment rate starts on 1 January or 1 July.")
                )

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # EXTENDS base: the rate table is cached (_get_half_year_rates).
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        # EXTENDS base: see create.
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        # EXTENDS base: see create.
        self.env.registry.clear_cache()
        return super().unlink()

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _get_half_year_label(self, day):
        """'1st half of 2026' / '2nd half of 2026'."""
        if day.month <= 6:
            return self.env._("1st half of %(year)s", year=day.year)
        return self.env._("2nd half of %(year)s", year=day.year)

    def _get_half_year_rate(self):
        self.ensure_one()
        return penalties.HalfYearRate(
            date_from=self.date_from,
            ecb_rate=Decimal(str(self.ecb_rate)),
            legal_rate=Decimal(str(self.legal_rate)) if self.legal_rate else None,
        )

    def _get_rate_table(self, date_to):
        """Rows up to ``date_to`` as {half-year start: penalties.HalfYearRate}."""
        return {rate.date_from: rate for rate in self._get_half_year_rates(date_to)}

    @tools.ormcache("date_to")
    def _get_half_year_rates(self, date_to):
        # A dunning run computes penalties for thousands of invoices on one
        # date: the table is read once, and the cache is cleared when a row
        # changes.
        rows = self.sudo().search([("date_from", "<=", date_to)])
        return tuple(row._get_half_year_rate() for row in rows)

    def _raise_missing_rate(self, half_year_start):
        """Turn the pure module's error into a message that says what to do."""
        raise UserError(
            self.env._(
                "No late-payment rate covers the %(half_year)s. Add the rate of the "
                "%(half_year)s in Collection > Configuration > Late-payment rates.",
                half_year=self._get_half_year_label(half_year_start),
            )
        )

    def _get_contract_rate_warning(self, contract_rate, day=None):
        """Warning text when ``contract_rate`` is under the floor of the
        half-year of ``day`` (today by default), else False.

        :param contract_rate: float percent; 0 means no contract rate
        """
        if not contract_rate:
            return False
        day = day or fields.Date.context_today(self)
        row = self._get_rate_table(day).get(penalties.half_year_start(day))
        if row is None:
            return False
        warning = penalties.RateWarning(
            row.date_from, Decimal(str(contract_rate)), row.floor_rate
        )
        if warning.floor_rate is not None and warning.contract_rate >= row.floor_rate:
            return False
        return self._format_rate_warnings([warning])

    def _format_rate_warnings(self, warnings):
        """One message for the penalties.RateWarning list, or False."""
        messages = []
        for warning in warnings:
            half_year = self._get_half_year_label(warning.half_year_start)
            if warning.floor_rate is None:
                messages.append(
                    self.env._(
                        "The legal rate of the %(half_year)s is not in the table: "
                        "the contract rate of %(rate)s %% cannot be checked against "
                        "the floor of three times the legal rate.",
                        half_year=half_year,
                        rate=f"{warning.contract_rate:.2f}",
                    )
                )
                continue
            messages.append(
                self.env._(
                    "The contract rate of %(rate)s %% is below the floor of "
                    "%(floor)s %% (three times the legal rate) for the %(half_year)s "
                    "(C. com. L441-10).",
                    rate=f"{warning.contract_rate:.2f}",
                    floor=f"{warning.floor_rate:.2f}",
                    half_year=half_year,
                )
            )
        return "\n".join(messages) or False
