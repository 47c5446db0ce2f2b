import logging
from datetime import timedelta

from markupsafe import Markup, escape
from psycopg2.errors import UniqueViolation

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

# Lifecycle statuses (DOMAIN §8): refused, cancelled, rejected, not
# receivable or cashed stop the reminders; in dispute, suspended and
# "paiement transmis" make them wait.
STOP_STATUS_CODES = ("210", "212", "213", "220", "501")
WAIT_STATUS_CODES = ("207", "208", "211")


class CabinetDunningRun(models.Model):
    """One run of the reminders of a client company on a day, or a preview.

    The run is the entry point of the scheduled action and of the benchmark:
    ``_cabinet_run_company(company, date, dry_run=False)``.
    """

    _name = "cabinet.dunning.run"
    _description = "Dunning run"
    _order = "date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Client Company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    dry_run = fields.Boolean(string="Preview", readonly=True)
    state = fields.Selection(
        selection=[("draft", "Draft"), ("done", "Done")],
        required=True,
        default="draft",
        readonly=True,
    )
    offer = fields.Selection(
        selection=[
            ("monitoring", "Receivables monitoring"),
            ("dunning", "Simple dunning"),
            ("collection", "Amicable collection mandate"),
        ],
        readonly=True,
    )
    communication_ids = fields.One2many(
        comodel_name="cabinet.dunning.communication",
        inverse_name="run_id",
        string="Communications",
        readonly=True,
    )
    proposal_count = fields.Integer(string="Debtors to Remind", readonly=True)
    preview_html = fields.Html(string="What Goes Out", readonly=True, sanitize=True)

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_preview(self):
        """Show what the run would send, without sending anything."""
        self.ensure_one()
        proposals = self._cabinet_process(dry_run=True)
        self.write({"dry_run": True, "proposal_count": len(proposals)})
        return True

    def action_run(self):
        """Send the reminders due on the run's date."""
        self.ensure_one()
        proposals = self._cabinet_process(dry_run=False)
        self.write(
            {"dry_run": False, "state": "done", "proposal_count": len(proposals)}
        )
        return True

    # -------------------------------------------------------------------------
    # Business Methods: entry points
    # -------------------------------------------------------------------------

    @api.model
    def _cabinet_run_company(self, company, date, dry_run=False):
        """Run the reminders of ``company`` on ``date`` in one transaction.

        :param company: a client company (res.company)
        :param date: the day of the run
        :param dry_run: compute and store a preview, send nothing
        :return: the run (cabinet.dunning.run), its proposals in preview_html
        """
        run = self.create({"company_id": company.id, "date": date})
        if dry_run:
            run.action_preview()
        else:
            run.action_run()
        return run

    def _cabinet_process(self, dry_run=False, partners=None):
        """Process the debtors of the run (all, or ``partners``).

        :return: list of proposals (dicts), one per debtor reminded
        """
        self.ensure_one()
        company, date = self.company_id, self.date
        offer = self._cabinet_get_offer(company, date)
        self.offer = offer
        if not offer:
            return []
        if partners is None:
            partners = self._cabinet_get_debtors(company, date)
        proposals = self._cabinet_get_proposals(
            company, date, partners, offer, dry_run=dry_run
        )
        if dry_run or offer == "monitoring":
            self.preview_html = self._cabinet_render_preview(proposals)
            return proposals
        self._cabinet_create_communications(proposals)
        self.preview_html = self._cabinet_render_preview(proposals)
        return proposals

    # -------------------------------------------------------------------------
    # Business Methods: hooks for the other parts of the addon
    # -------------------------------------------------------------------------

    @api.model
    def _cabinet_get_offer(self, company, date):
        """Collection offer of ``company`` on ``date``, from its signed
        mission letters (the strongest when several cover the date).

        :return: 'monitoring' | 'dunning' | 'collection' | False
        """
        return company._cabinet_get_collection_offer(date)

    @api.model
    def _cabinet_prefetch_penalty_data(self, lines):
        """Read at once what the penalties of the batch's invoices need: their
        receivable lines and the reconciliations on them (a batch must cost
        the same queries whatever its number of invoices).
        """
        receivables = lines.move_id.line_ids
        receivables.mapped("matched_credit_ids.debit_amount_currency")
        receivables.mapped("matched_credit_ids.max_date")
        lines.move_id.commercial_partner_id.mapped("cabinet_is_business")

    @api.model
    def _cabinet_get_penalty_vals(self, line, date):
        """Late interest and indemnity stated for instalment ``line`` at
        ``date`` (C. com. L441-10, D441-5).

        The penalties are computed per invoice: they are carried by its first
        instalment, so that a letter listing several instalments of one
        invoice claims its indemnity once.

        :return: dict with ``interest`` and ``indemnity`` (floats)
        """
        move = line.move_id
        if line != move._cabinet_get_penalty_lines()[:1]:
            return {"interest": 0.0, "indemnity": 0.0}
        penalties = move._cabinet_get_late_penalties(date)
        return {"interest": penalties["interest"], "indemnity": penalties["indemnity"]}

    @api.model
    def _cabinet_hand_over(self, communication):
        """Hand the invoices of ``communication`` over to the collection
        mandate; the files keep the first letter sent in the cabinet's name
        to the debtor (CPCE R124-4).

        :return: the collection files
        """
        # Only claims already due go to collection: an instalment listed in
        # the same letter but not due yet stays with the client.
        overdue_lines = communication.line_ids.filtered(
            lambda line: line.days_overdue > 0
        )
        files = self.env["cabinet.collection.file"]._cabinet_hand_over(
            overdue_lines.move_id, communication=communication
        )
        first = communication._cabinet_get_first_collection_letter() or communication
        files._cabinet_register_letter(first.name, first.date)
        return files

    # -------------------------------------------------------------------------
    # Business Methods: selection
    # -------------------------------------------------------------------------

    @api.model
    def _cabinet_get_policies(self, company, partners):
        """Policy of each debtor: its own override, else the company's."""
        partners = partners.with_company(company)
        return {
            partner: partner.cabinet_dunning_policy_id.filtered(
                lambda policy: policy.company_id == company
            )
            or company.cabinet_dunning_policy_id
            for partner in partners
        }

    @api.model
    def _get_candidate_line_domain(self, company, date):
        """Open receivable instalments of ``company`` that a level may concern."""
        levels = self.env["cabinet.dunning.level"].search(
            [("company_id", "=", company.id)]
        )
        first_delay = min(levels.mapped("delay"), default=0)
        return [
            ("company_id", "=", company.id),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual", ">", 0),
            ("partner_id", "!=", False),
            ("date_maturity", "<=", date - timedelta(days=first_delay)),
            ("move_id.move_type", "in", ("out_invoice", "out_receipt")),
            ("move_id.cabinet_dunning_blocked", "=", False),
            ("move_id.cabinet_dunning_excluded", "=", False),
        ]

    @api.model
    def _cabinet_get_debtors(self, company, date):
        """Debtors (commercial partners) with instalments to look at."""
        if not company.cabinet_dunning_policy_id:
            return self.env["res.partner"]
        groups = self.env["account.move.line"]._read_group(
            self._get_candidate_line_domain(company, date), ["partner_id"]
        )
        return self.env["res.partner"].union(*(partner for (partner,) in groups))

    @api.model
    def _cabinet_get_net_balances(self, company, partners):
        """Receivable balance per debtor: credit notes and unreconciled
        payments included (they carry a negative residual)."""
        groups = self.env["account.move.line"]._read_group(
            [
                ("company_id", "=", company.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("partner_id", "in", partners.ids),
            ],
            ["partner_id"],
            ["amount_residual:sum"],
        )
        return dict(groups)

    @api.model
    def _cabinet_get_stops(self, company, date, partners, dry_run=False):
        """Debtors and invoices on which no reminder goes out today.

        Promises and plans found broken (or kept) are marked so, except in
        a preview, which changes nothing.

        :return: (stopped partners, stopped moves)
        """
        stopped_partners = self.env["res.partner"]
        stopped_moves = self.env["account.move"]
        base = [("company_id", "=", company.id), ("partner_id", "in", partners.ids)]

        disputes = self.env["cabinet.dunning.dispute"].search(
            [*base, ("state", "=", "open")]
        )
        stopped_partners |= disputes.filtered(lambda d: not d.move_ids).partner_id
        stopped_moves |= disputes.move_ids

        promises = self.env["cabinet.payment.promise"].search(
            [*base, ("state", "=", "open")]
        )
        if not dry_run:
            promises._cabinet_update_state(date)
        promises = promises.filtered(lambda p: p._cabinet_get_state_on(date) == "open")
        stopped_partners |= promises.filtered(lambda p: not p.move_ids).partner_id
        stopped_moves |= promises.move_ids

        plans = self.env["cabinet.payment.plan"].search(
            [*base, ("state", "=", "active")]
        )
        if not dry_run:
            plans._cabinet_update_state(date)
        plans = plans.filtered(lambda p: p._cabinet_get_state_on(date) == "active")
        stopped_moves |= plans.move_ids

        partners = partners.with_company(company)
        stopped_partners |= partners.filtered("cabinet_dunning_paused")
        # Debtors of the client companies are shared: compare commercial ids.
        return stopped_partners.commercial_partner_id, stopped_moves

    @api.model
    def _cabinet_get_busy_partners(self, company, date, partners):
        """Debtors with a reminder waiting for validation, or already
        reminded today: they get nothing more in this run."""
        communications = self.env["cabinet.dunning.communication"].search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "in", partners.ids),
                "|",
                ("state", "in", ("draft", "to_validate")),
                "&",
                ("date", "=", date),
                ("state", "=", "sent"),
            ]
        )
        return communications.partner_id

    @api.model
    def _cabinet_is_line_stopped(self, line, stopped_moves):
        move = line.move_id
        return (
            move in stopped_moves
            or move.cabinet_status_code in STOP_STATUS_CODES
            or move.cabinet_status_code in WAIT_STATUS_CODES
        )

    # -------------------------------------------------------------------------
    # Business Methods: levels
    # -------------------------------------------------------------------------

    @api.model
    def _cabinet_get_line_action(self, line, levels, date, mode):
        """Next reminder of one instalment on ``date``.

        A never-reminded instalment starts at the first level it reached (or
        the highest with ``mode`` 'highest_level'); a courtesy level before
        the due date is skipped once the instalment is overdue. A reminded
        one repeats its level or moves to the next, no sooner than the
        repeat interval (or the gap between the two levels) after the last
        reminder.

        :return: (level, repeat_index, first_contact) or None
        """
        overdue = (date - (line.date_maturity or line.date)).days
        current = line.cabinet_dunning_level_id
        if current not in levels:
            reached = levels.filtered(
                lambda level: (
                    level.delay <= overdue and (overdue <= 0 or level.delay >= 0)
                )
            )
            if not reached:
                return None
            level = reached[0] if mode == "first_level" else reached[-1]
            return level, 0, True

        since_last = (date - line.cabinet_dunning_last_date).days
        position = list(levels).index(current)
        following = levels[position + 1 : position + 2]
        if following and following.delay <= overdue:
            gap = current.repeat_interval or following.delay - current.delay
            return (following, 0, False) if since_last >= gap else None
        if (
            line.cabinet_dunning_repeat_count < current.max_repeats
            and since_last >= current.repeat_interval
        ):
            return current, line.cabinet_dunning_repeat_count + 1, False
        return None

    @api.model
    def _prepare_line_vals(self, line, level, repeat_index, advanced, date):
        """Values of a communication line: the instalment as stated today."""
        move = line.move_id
        penalty = self._cabinet_get_penalty_vals(line, date)
        return {
            "move_line_id": line.id,
            "move_id": move.id,
            "level_id": level.id,
            "repeat_index": repeat_index,
            "advanced": advanced,
            "date_maturity": line.date_maturity,
            "days_overdue": (date - (line.date_maturity or line.date)).days,
            "amount_total": move.amount_total,
            "amount_residual": line.amount_residual,
            "amount_interest": penalty["interest"],
            "amount_indemnity": penalty["indemnity"],
            "cabinet_key": advanced and f"{line.id}-{level.id}-{repeat_index}",
        }

    @api.model
    def _cabinet_get_debtor_proposal(
        self, company, date, partner, lines, policy, offer=None
    ):
        """What one debtor receives today, or None.

        One communication lists all the instalments in dunning, each at its
        level; the communication takes the highest of their levels (a
        hand-over only when reached today). Only
        a client under the amicable-collection mandate hands claims over:
        for the others, the last level before the hand-over is the last one.
        """
        levels = policy._cabinet_get_levels()
        if offer != "collection":
            levels = levels.filtered(lambda level: not level.handover)
        mode = company.cabinet_dunning_first_contact
        line_vals_list, advanced_levels, kept_levels = [], [], []
        first_contact = handover_first_contact = False
        for line in lines:
            action = self._cabinet_get_line_action(line, levels, date, mode)
            if action:
                level, repeat_index, is_first = action
                advanced_levels.append(level)
                first_contact |= is_first
                handover_first_contact |= is_first and level.handover
            elif line.cabinet_dunning_level_id in levels:
                level = line.cabinet_dunning_level_id
                repeat_index = line.cabinet_dunning_repeat_count
                kept_levels.append(level)
            else:
                continue
            line_vals_list.append(
                self._prepare_line_vals(line, level, repeat_index, bool(action), date)
            )
        if not advanced_levels:
            return None
        # The tone is the highest level among the instalments listed, those
        # reached before included: a courtesy reminder for a new invoice must
        # not speak softly of one already under formal notice. A hand-over
        # reached before is not repeated: it is done once, when reached.
        level = max(
            advanced_levels + [lvl for lvl in kept_levels if not lvl.handover],
            key=lambda level: (level.sequence, level.id),
        )
        return {
            "company": company,
            "partner": partner,
            "date": date,
            "level": level,
            "first_contact": first_contact,
            # RC-26: a hand-over reached on a first contact is only proposed.
            "requires_validation": any(
                lvl.requires_validation for lvl in advanced_levels
            )
            or handover_first_contact,
            "amount_residual": sum(vals["amount_residual"] for vals in line_vals_list),
            "line_vals_list": line_vals_list,
            "key": f"{company.id}-{partner.id}-{level.id}-{date}",
        }

    @api.model
    def _cabinet_get_proposals(self, company, date, partners, offer, dry_run=False):
        """Proposals (one per debtor to remind) for ``partners`` on ``date``.

        :param dry_run: a preview: lock nothing, change nothing
        """
        lines = self.env["account.move.line"].search(
            [
                *self._get_candidate_line_domain(company, date),
                ("partner_id", "in", partners.ids),
            ],
            order="partner_id, date_maturity, id",
        )
        # Another worker holds some instalments: leave their debtors to it.
        locked = lines if dry_run else lines.try_lock_for_update()
        skipped = (lines - locked).partner_id
        balances = self._cabinet_get_net_balances(company, partners)
        stopped_partners, stopped_moves = self._cabinet_get_stops(
            company, date, partners, dry_run=dry_run
        )
        busy = self._cabinet_get_busy_partners(company, date, partners)
        policies = self._cabinet_get_policies(company, lines.partner_id)
        self._cabinet_prefetch_penalty_data(lines)
        lines_by_partner = lines.grouped("partner_id")

        proposals = []
        for partner, partner_lines in lines_by_partner.items():
            if (
                partner in skipped
                or partner in busy
                or partner in stopped_partners
                or company.currency_id.compare_amounts(balances.get(partner, 0), 0) <= 0
                or not policies[partner]
            ):
                continue
            partner_lines = partner_lines.filtered(
                lambda line: not self._cabinet_is_line_stopped(line, stopped_moves)
            )
            proposal = self._cabinet_get_debtor_proposal(
                company, date, partner, partner_lines, policies[partner], offer=offer
            )
            if proposal:
                proposal["offer"] = offer
                proposals.append(proposal)
        return proposals

    # -------------------------------------------------------------------------
    # Business Methods: sending
    # -------------------------------------------------------------------------

    def _cabinet_create_communications(self, proposals):
        """Create the communications of ``proposals``, then send or queue
        them for validation. A debtor already reminded at that level today
        (another worker, a retried run) is skipped by the unique keys."""
        Communication = self.env["cabinet.dunning.communication"]
        created = Communication
        for proposal in proposals:
            vals = Communication._prepare_communication_vals(proposal, run=self)
            try:
                with self.env.cr.savepoint():
                    created |= Communication.create(vals)
            except UniqueViolation:
                _logger.info(
                    "Dunning: debtor %s already reminded at level %s on %s",
                    proposal["partner"].id,
                    proposal["level"].id,
                    proposal["date"],
                )
        to_validate = created.filtered(
            lambda com: self._cabinet_proposal_needs_validation(com, proposals)
        )
        to_validate._cabinet_request_validation()
        sent = (created - to_validate)._cabinet_send()
        _logger.info(
            "Dunning run %s: %s sent, %s to validate",
            self.id,
            len(sent),
            len(to_validate),
        )
        return created

    @api.model
    def _cabinet_proposal_needs_validation(self, communication, proposals):
        return any(
            proposal["key"] == communication.cabinet_key
            and proposal["requires_validation"]
            for proposal in proposals
        )

    @api.model
    def _cabinet_render_preview(self, proposals):
        """A short HTML table of what goes out, for the preview."""
        rows = Markup("").join(
            Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>")
            % (
                proposal["partner"].display_name,
                proposal["level"].name,
                ", ".join(proposal["level"]._cabinet_get_channels()),
                len(proposal["line_vals_list"]),
                proposal["company"].currency_id.format(proposal["amount_residual"]),
            )
            for proposal in proposals
        )
        header = Markup(
            "<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>"
        ) % (
            self.env._("Debtor"),
            self.env._("Level"),
            self.env._("Channels"),
            self.env._("Instalments"),
            self.env._("Amount Due"),
        )
        return (
            Markup("<table class='table table-sm'>%s%s</table>") % (header, rows)
            if proposals
            else escape(self.env._("Nothing to send."))
        )

    # -------------------------------------------------------------------------
    # Cron
    # -------------------------------------------------------------------------

    @api.model
    def _cron_send_reminders(self, batch_size=200):
        """Daily run over every client company with a dunning policy.

        Debtors go in batches; each batch commits through the cron progress
        API. A run stopped for lack of time resumes on the next call: debtors
        reminded already are skipped (levels recorded, unique keys).
        """
        date = fields.Date.context_today(self)
        companies = self.env["res.company"].search(
            [
                ("cabinet_is_client", "=", True),
                ("cabinet_dunning_policy_id", "!=", False),
            ]
        )
        IrCron = self.env["ir.cron"]
        for index, company in enumerate(companies):
            run = self._cabinet_get_daily_run(company, date)
            partners = self._cabinet_get_debtors(company, date)
            for start in range(0, len(partners), batch_size):
                batch = partners[start : start + batch_size]
                try:
                    with self.env.cr.savepoint():
                        run._cabinet_process(partners=batch)
                except Exception:
                    _logger.exception(
                        "Dunning run failed for company %s, debtors %s",
                        company.id,
                        batch.ids,
                    )
                remaining = len(partners) - start - len(batch)
                remaining += len(companies) - index - 1
                if not IrCron._commit_progress(len(batch), remaining=remaining):
                    return
            run.state = "done"
            IrCron._commit_progress(0)

    @api.model
    def _cabinet_get_daily_run(self, company, date):
        run = self.search(
            [
                ("company_id", "=", company.id),
                ("date", "=", date),
                ("dry_run", "=", False),
            ],
            limit=1,
        )
        return run or self.create({"company_id": company.id, "date": date})
