from datetime import timedelta
from decimal import Decimal
from textwrap import shorten

from dateutil.relativedelta import relativedelta

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date, plaintext2html

from ..tools import penalties

# C. com. D441-5: flat indemnity for recovery costs, per late invoice.
RECOVERY_INDEMNITY = 40.0
# Bounds of the instalments a debtor may ask for in a payment plan request.
PLAN_MIN_INSTALMENTS = 2
PLAN_MAX_INSTALMENTS = 12


class AccountMove(models.Model):
    _inherit = "account.move"

    cabinet_dunning_blocked = fields.Boolean(
        string="Dunning Blocked",
        copy=False,
        tracking=True,
        help="No reminder for this invoice until unblocked.",
    )
    cabinet_dunning_excluded = fields.Boolean(
        string="Excluded from Dunning",
        copy=False,
        tracking=True,
        help="This invoice is never reminded (e.g. collected another way).",
    )
    cabinet_dunning_line_ids = fields.One2many(
        comodel_name="cabinet.dunning.communication.line",
        inverse_name="move_id",
        string="Reminders",
    )

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    def write(self, vals):
        # EXTENDS account (RC-23): the portal rule is redefined on the stored
        # commercial entity, but the former customer could still reach the
        # invoice through what it was given before the change: its followers
        # (chatter notifications, mail links) and the access token sent to it.
        # Both are withdrawn when the invoice moves to another entity.
        if "partner_id" not in vals:
            return super().write(vals)
        former = {move.id: move.commercial_partner_id for move in self}
        result = super().write(vals)
        moved = self.filtered(
            lambda move: (
                former[move.id] and move.commercial_partner_id != former[move.id]
            )
        )
        for move in moved:
            followers = move.message_partner_ids.filtered(
                lambda partner, move=move: (
                    partner.commercial_partner_id == former[move.id]
                )
            )
            move.message_unsubscribe(followers.ids)
        if moved:
            moved.sudo().access_token = False
        return result

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    def _cabinet_get_late_penalties(self, as_of_date):
        """Late-payment penalties of this customer invoice on ``as_of_date``.

        Interest per instalment (receivable line) from the day after its due
        date to ``as_of_date`` included, or to the payment that settled it;
        the EUR 40 indemnity once per late invoice, whole even after a partial
        payment, outside VAT. Consumers owe neither (DOMAIN §10: only legal
        interest after a formal notice, not computed here).

        :param as_of_date: date (or ISO string), last day of interest counted
        :return: dict with ``interest`` (float, move currency, rounded to its
            unit), ``indemnity`` (40.0 or 0.0), ``rate`` (percent of the latest
            segment, 0.0 when not late), ``segments`` (list of dicts: date_from,
            date_to, base, rate, days, amount) and ``warning`` (str or False)
        :raise UserError: no rate in the table for a half-year concerned
        """
        self.ensure_one()
        as_of_date = fields.Date.to_date(as_of_date)
        result = {
            "interest": 0.0,
            "indemnity": 0.0,
            "rate": 0.0,
            "segments": [],
            "warning": False,
        }
        if not self._cabinet_is_penalty_eligible():
            return result
        Rate = self.env["cabinet.penalty.rate"]
        rates = Rate._get_rate_table(as_of_date)
        contract_rate = self._cabinet_get_contract_interest_rate()
        quantum = Decimal(str(self.currency_id.rounding))
        interest = Decimal(0)
        warnings = []
        for line in self._cabinet_get_penalty_lines():
            try:
                line_result = penalties.compute_late_interest(
                    Decimal(str(line.amount_currency)),
                    line.date_maturity,
                    as_of_date,
                    rates,
                    payments=line._cabinet_get_penalty_payments(),
                    contract_rate=contract_rate,
                    quantum=quantum,
                )
            except penalties.MissingRateError as error:
                Rate._raise_missing_rate(error.half_year_start)
            interest += line_result.interest
            if line_result.is_late:
                result["segments"] += [
                    self._cabinet_prepare_segment_vals(segment)
                    for segment in line_result.segments
                ]
            warnings += [w for w in line_result.warnings if w not in warnings]
        result["segments"].sort(key=lambda segment: segment["date_from"])
        result["interest"] = float(interest)
        if result["segments"]:
            result["indemnity"] = RECOVERY_INDEMNITY
            result["rate"] = result["segments"][-1]["rate"]
        result["warning"] = Rate._format_rate_warnings(warnings)
        return result

    def _cabinet_claim_late_penalties(self, claim_date):
        """Open (or refresh) the penalty claims of these invoices, for the
        reminder or formal notice that states them on ``claim_date``.

        :return: cabinet.penalty.claim records of the late invoices
        """
        Claim = self.env["cabinet.penalty.claim"]
        claims = Claim.search([("move_id", "in", self.ids)])
        claims._cabinet_refresh_amounts(claim_date)
        new_moves = self.filtered(
            lambda move: (
                move not in claims.move_id
                and move._cabinet_get_late_penalties(claim_date)["segments"]
            )
        )
        claims |= Claim.with_context(cabinet_as_of_date=claim_date).create(
            [{"move_id": move.id, "claim_date": claim_date} for move in new_moves]
        )
        return claims

    def _cabinet_is_penalty_eligible(self):
        """Posted customer invoices of business debtors (C. com. L441-10)."""
        self.ensure_one()
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and self.commercial_partner_id.cabinet_is_business
        )

    def _cabinet_get_penalty_lines(self):
        """Receivable lines, one per instalment, that interest runs on."""
        return self.line_ids.filtered(
            lambda line: (
                line.account_type == "asset_receivable"
                and line.date_maturity
                and line.amount_currency > 0
            )
        )

    def _cabinet_get_contract_interest_rate(self):
        """Contract rate in percent (Decimal) or None for the statutory rate:
        the debtor's rate with the invoicing company, else the company's.
        """
        self.ensure_one()
        partner = self.commercial_partner_id.with_company(self.company_id)
        rate = partner.cabinet_late_interest_rate
        rate = rate or self.company_id.cabinet_late_interest_rate
        return Decimal(str(rate)) if rate else None

    def _cabinet_prepare_segment_vals(self, segment):
        return {
            "date_from": segment["date_from"],
            "date_to": segment["date_to"],
            "base": float(segment["base"]),
            "rate": float(segment["rate"]),
            "days": segment["days"],
            "amount": float(segment["amount"]),
        }

    # Debtor portal: what the debtor sees of an invoice and the requests it
    # sends to the collector (dispute, promise to pay, payment plan).

    def _cabinet_get_status_label(self):
        """Label of the platform lifecycle status, or an empty string."""
        self.ensure_one()
        field = self._fields["cabinet_status_code"]
        labels = dict(field._description_selection(self.env))
        return labels.get(self.cabinet_status_code, "")

    def _cabinet_get_overdue_days(self, today=None):
        """Days past the due date of an invoice still to pay: positive when
        late, zero or negative when not due yet, None when nothing is due."""
        self.ensure_one()
        if (
            self.move_type != "out_invoice"
            or self.state != "posted"
            or self.payment_state not in ("not_paid", "partial")
            or not self.invoice_date_due
        ):
            return None
        today = today or fields.Date.context_today(self)
        return (today - self.invoice_date_due).days

    def _cabinet_get_portal_arrangements(self, today=None):
        """Disputes, promises and plans of the debtor on this invoice.

        :return: dict of recordsets ``disputes`` (open), ``promises`` (open),
            ``broken_promises``, ``plans`` (requested or active)
        """
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        base = [("move_ids", "in", self.ids), ("company_id", "=", self.company_id.id)]
        promises = self.env["cabinet.payment.promise"].search(
            [*base, ("state", "in", ("open", "broken"))]
        )
        states = {promise: promise._cabinet_get_state_on(today) for promise in promises}
        return {
            "disputes": self.env["cabinet.dunning.dispute"].search(
                [*base, ("state", "=", "open")]
            ),
            "promises": promises.filtered(lambda p: states[p] == "open"),
            "broken_promises": promises.filtered(lambda p: states[p] == "broken"),
            "plans": self.env["cabinet.payment.plan"].search(
                [*base, ("state", "in", ("draft", "active"))]
            ),
        }

    def _cabinet_get_promise_date_max(self):
        """Last date a debtor may promise to pay by (company horizon)."""
        company = self.company_id[:1]
        today = fields.Date.context_today(self)
        return today + timedelta(days=company.cabinet_promise_horizon_days)

    def _cabinet_portal_check_debtor(self):
        """The invoices of a portal request: posted customer invoices of one
        debtor in one client company, still to pay."""
        if (
            not self
            or len(self.company_id) != 1
            or len(self.commercial_partner_id) != 1
            or any(move.move_type != "out_invoice" for move in self)
            or any(move.state != "posted" for move in self)
        ):
            raise UserError(self.env._("These invoices cannot be handled together."))

    def _cabinet_get_portal_responsible(self):
        """Who handles the debtor's requests: the collector of the debtor,
        else the salesperson of the invoice, else the superuser.

        Requests come from portal or public users, so the current user is
        never the fallback (the collector lookup of the debtor falls back on
        it): the arrangements are created as this user, in sudo.
        """
        move = self[:1]
        partner = move.commercial_partner_id.with_company(move.company_id)
        return (
            partner.cabinet_collector_id
            or move.company_id.cabinet_collector_id
            or move.invoice_user_id
            or self.env.ref("base.user_root")
        )

    def _cabinet_get_arrangement_model(self, model):
        responsible = self._cabinet_get_portal_responsible()
        return (
            self.env[model].with_user(responsible).with_company(self.company_id).sudo()
        )

    def _cabinet_prepare_arrangement_vals(self):
        return {
            "company_id": self.company_id.id,
            "partner_id": self.commercial_partner_id.id,
            "move_ids": [Command.set(self.ids)],
        }

    def _cabinet_portal_open_dispute(self, reason, author):
        """The debtor disputes these invoices: reminders stop on them.

        :param reason: the debtor's text
        :param author: res.partner writing (the portal user or the debtor)
        :return: the cabinet.dunning.dispute created
        """
        self._cabinet_portal_check_debtor()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Please tell us why you dispute the invoice."))
        dispute = self._cabinet_get_arrangement_model("cabinet.dunning.dispute").create(
            {
                **self._cabinet_prepare_arrangement_vals(),
                "name": shorten(reason, 80, placeholder="..."),
                "description": plaintext2html(reason),
            }
        )
        self._cabinet_portal_notify(
            self.env._("Dispute opened by the debtor: %(reason)s", reason=reason),
            self.env._("Handle the dispute of %(debtor)s", debtor=author.display_name),
            author,
        )
        return dispute

    def _cabinet_portal_promise(self, date, author):
        """The debtor promises to pay these invoices by ``date``: reminders
        wait until then, and resume if the promise is not kept.

        :raise UserError: the date is past or beyond the company's horizon
        :return: the cabinet.payment.promise created
        """
        self._cabinet_portal_check_debtor()
        try:
            date = fields.Date.to_date(date)
        except ValueError:
            date = None
        today = fields.Date.context_today(self)
        date_max = self._cabinet_get_promise_date_max()
        if not date or date < today:
            raise UserError(self.env._("Please choose a date from today on."))
        if date > date_max:
            raise UserError(
                self.env._(
                    "You can promise to pay by %(date)s at the latest; for a "
                    "longer delay, please ask for a payment plan.",
                    date=format_date(self.env, date_max),
                )
            )
        promise = self._cabinet_get_arrangement_model("cabinet.payment.promise").create(
            {
                **self._cabinet_prepare_arrangement_vals(),
                "date": date,
                "amount": sum(self.mapped("amount_residual")),
            }
        )
        self._cabinet_portal_notify(
            self.env._(
                "The debtor promised to pay by %(date)s.",
                date=fields.Date.to_string(date),
            ),
            False,
            author,
        )
        return promise

    def _cabinet_portal_request_plan(self, instalments, message, author):
        """The debtor asks to pay these invoices in instalments: a draft plan
        of monthly instalments for the collector to agree or refuse.

        :param instalments: number of monthly instalments asked for
        :return: the cabinet.payment.plan created, in draft
        """
        self._cabinet_portal_check_debtor()
        try:
            instalments = int(instalments)
        except (TypeError, ValueError):
            instalments = 0
        if not PLAN_MIN_INSTALMENTS <= instalments <= PLAN_MAX_INSTALMENTS:
            raise UserError(
                self.env._(
                    "Please ask for %(min)s to %(max)s instalments.",
                    min=PLAN_MIN_INSTALMENTS,
                    max=PLAN_MAX_INSTALMENTS,
                )
            )
        message = (message or "").strip()
        plan = self._cabinet_get_arrangement_model("cabinet.payment.plan").create(
            {
                **self._cabinet_prepare_arrangement_vals(),
                "name": self.env._(
                    "Requested by %(debtor)s", debtor=author.display_name
                ),
                "line_ids": [
                    Command.create(vals)
                    for vals in self._cabinet_prepare_plan_line_vals(instalments)
                ],
            }
        )
        body = self.env._(
            "The debtor asks for a payment plan in %(count)s instalments. %(message)s",
            count=instalments,
            message=message,
        )
        plan.message_post(body=body, author_id=author.id)
        self._cabinet_portal_notify(
            body,
            self.env._(
                "Answer the payment plan request of %(debtor)s",
                debtor=author.display_name,
            ),
            author,
        )
        return plan

    def _cabinet_prepare_plan_line_vals(self, instalments):
        """Equal monthly instalments of the open amount, the first one month
        from today; the last one takes the rounding difference."""
        currency = self.company_id.currency_id
        total = sum(self.mapped("amount_residual"))
        amount = currency.round(total / instalments)
        today = fields.Date.context_today(self)
        return [
            {
                "date": today + relativedelta(months=index + 1),
                "amount": amount
                if index < instalments - 1
                else currency.round(total - amount * (instalments - 1)),
            }
            for index in range(instalments)
        ]

    def _cabinet_portal_notify(self, body, summary, author):
        """Log the debtor's request in the invoices' chatter and, with a
        ``summary``, give their collector a to-do."""
        for move in self:
            move.message_post(body=body, author_id=author.id)
            if not summary:
                continue
            move.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                user_id=move._cabinet_get_portal_responsible().id,
            )
