import logging

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class CabinetCollectionFile(models.Model):
    """An amicable-collection file: the claims of one client company (the
    creditor) on one debtor, handed over to the cabinet under a collection
    mandate (CPCE R124-3). The debtor pays the creditor, never the cabinet."""

    _name = "cabinet.collection.file"
    _description = "Amicable collection file"
    _inherit = ("mail.thread", "mail.activity.mixin")
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Creditor",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
        help="The client company whose claims the cabinet collects.",
    )
    firm_id = fields.Many2one(
        comodel_name="res.company",
        string="Cabinet",
        related="company_id.cabinet_firm_id",
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Debtor",
        required=True,
        index=True,
        readonly=True,
        tracking=True,
    )
    date = fields.Date(
        string="Hand-over Date",
        required=True,
        readonly=True,
        default=fields.Date.context_today,
    )
    state = fields.Selection(
        selection=[
            ("open", "Open"),
            ("recovered", "Recovered"),
            ("closed", "Closed"),
            ("abandoned", "Abandoned"),
        ],
        string="Status",
        required=True,
        default="open",
        copy=False,
        tracking=True,
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Collector",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        tracking=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    line_ids = fields.One2many(
        comodel_name="cabinet.collection.file.line",
        inverse_name="file_id",
        string="Claims",
        copy=False,
    )
    move_ids = fields.Many2many(
        comodel_name="account.move",
        relation="cabinet_collection_file_move_rel",
        column1="file_id",
        column2="move_id",
        string="Invoices",
        compute="_compute_move_ids",
        store=True,
    )
    bank_account_id = fields.Many2one(
        comodel_name="res.partner.bank",
        string="Creditor's Bank Account",
        compute="_compute_bank_account_id",
        store=True,
        readonly=False,
        domain="[('partner_id', '=', creditor_partner_id)]",
        help="The debtor pays the creditor on this account, never the cabinet "
        "(experts-comptables collect through the client's bank account).",
    )
    creditor_partner_id = fields.Many2one(related="company_id.partner_id")
    first_letter_ref = fields.Char(
        string="First Letter Reference",
        tracking=True,
        help="Repeated on every later letter (CPCE R124-4).",
    )
    first_letter_date = fields.Date(tracking=True)
    amount_principal = fields.Monetary(
        string="Principal", compute="_compute_amounts", currency_field="currency_id"
    )
    amount_interest = fields.Monetary(
        string="Interest", compute="_compute_amounts", currency_field="currency_id"
    )
    amount_indemnity = fields.Monetary(
        string="Recovery Indemnity",
        compute="_compute_amounts",
        currency_field="currency_id",
    )
    amount_accessories = fields.Monetary(
        string="Accessories",
        currency_field="currency_id",
        tracking=True,
        help="Other sums due by the debtor under the contract, entered by "
        "hand. Collection costs without an enforceable title stay with the "
        "creditor (CPCE L111-8) and never belong here.",
    )
    amount_recovered = fields.Monetary(
        string="Recovered", compute="_compute_amounts", currency_field="currency_id"
    )
    amount_claimed = fields.Monetary(
        compute="_compute_amounts",
        currency_field="currency_id",
        help="Principal, interest, indemnity and accessories, less what was "
        "recovered since the hand-over.",
    )

    # -------------------------------------------------------------------------
    # Compute Methods
    # -------------------------------------------------------------------------

    @api.depends("line_ids.move_id")
    def _compute_move_ids(self):
        for collection_file in self:
            collection_file.move_ids = collection_file.line_ids.move_id

    @api.depends("company_id")
    def _compute_bank_account_id(self):
        for collection_file in self:
            partner = collection_file.company_id.partner_id
            if collection_file.bank_account_id.partner_id != partner:
                collection_file.bank_account_id = partner.bank_ids[:1]

    @api.depends(
        "line_ids.principal",
        "line_ids.interest",
        "line_ids.indemnity",
        "line_ids.amount_recovered",
        "amount_accessories",
    )
    def _compute_amounts(self):
        for collection_file in self:
            lines = collection_file.line_ids
            collection_file.amount_principal = sum(lines.mapped("principal"))
            collection_file.amount_interest = sum(lines.mapped("interest"))
            collection_file.amount_indemnity = sum(lines.mapped("indemnity"))
            collection_file.amount_recovered = sum(lines.mapped("amount_recovered"))
            collection_file.amount_claimed = collection_file.currency_id.round(
                collection_file.amount_principal
                + collection_file.amount_interest
                + collection_file.amount_indemnity
                + collection_file.amount_accessories
                - collection_file.amount_recovered
            )

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # EXTENDS mail.thread: the reference comes from the sequence, dated by
        # the hand-over.
        for vals in vals_list:
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    self._name, sequence_date=vals.get("date")
                )
        return super().create(vals_list)

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_mark_recovered(self):
        """Record that the claims were recovered: the file stops."""
        self._check_state("open")
        self.state = "recovered"

    def action_close(self):
        """Close the file, e.g. when the mandate ends."""
        self._check_state("open", "recovered")
        self.state = "closed"

    def action_abandon(self):
        """Give up the amicable collection: the creditor may go to court."""
        self._check_state("open")
        self.state = "abandoned"

    def action_reopen(self):
        """Reopen a file to resume the collection."""
        self._check_state("recovered", "closed", "abandoned")
        self.state = "open"

    def _check_state(self, *states):
        if any(collection_file.state not in states for collection_file in self):
            raise UserError(
                self.env._("This action is not allowed in the file's current status.")
            )

    # -------------------------------------------------------------------------
    # Business Methods
    # -------------------------------------------------------------------------

    @api.model
    def _cabinet_hand_over(self, moves, communication=False):
        """Hand claims over to the amicable-collection mandate.

        Moves are grouped per client company and debtor (commercial partner)
        into one open file, created when none exists. Calling it again with
        the same moves changes nothing.

        :param moves: customer invoices (account.move) to hand over; those not
            posted, already paid or already in an open file are skipped
        :param communication: the dunning communication that triggered the
            hand-over, if any; it is recorded in the file's chatter
        :return: the collection files holding the moves (cabinet.collection.file)
        """
        moves = moves.with_env(self.env).filtered(self._cabinet_can_hand_over)
        already = self.search(
            [("state", "=", "open"), ("line_ids.move_id", "in", moves.ids)]
        )
        moves -= already.line_ids.move_id
        files = already
        groups = moves.grouped(
            lambda move: (move.company_id, move.commercial_partner_id)
        )
        for (company, debtor), debtor_moves in groups.items():
            collection_file = self._cabinet_get_open_file(company, debtor)
            collection_file._cabinet_add_moves(debtor_moves, communication)
            files |= collection_file
        return files

    def _cabinet_can_hand_over(self, move):
        """Whether ``move`` is an open customer invoice that can be handed
        over (override point)."""
        return (
            move.state == "posted"
            and move.move_type == "out_invoice"
            and not move.currency_id.is_zero(move.amount_residual)
        )

    def _cabinet_get_open_file(self, company, debtor):
        """The open file of the client company on the debtor, created when
        missing."""
        collection_file = self.search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "=", debtor.id),
                ("state", "=", "open"),
            ],
            limit=1,
        )
        return collection_file or self.create(self._prepare_file_vals(company, debtor))

    @api.model
    def _prepare_file_vals(self, company, debtor):
        return {
            "company_id": company.id,
            "partner_id": debtor.id,
            "date": fields.Date.context_today(self),
        }

    def _cabinet_add_moves(self, moves, communication=False):
        """Add the invoices to the file with their amounts at hand-over."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        self.line_ids = [
            Command.create(self._prepare_line_vals(move, today)) for move in moves
        ]
        body = self.env._(
            "Invoices handed over: %(invoices)s.",
            invoices=", ".join(moves.mapped("name")),
        )
        if communication:
            body = self.env._(
                "%(body)s Triggered by %(communication)s.",
                body=body,
                communication=communication.display_name,
            )
        self.message_post(body=body)
        _logger.info(
            "Collection file %s: %s invoice(s) handed over", self.id, len(moves)
        )

    def _prepare_line_vals(self, move, date):
        penalties = self._cabinet_get_move_penalties(move, date)
        partials = move.line_ids.matched_debit_ids | move.line_ids.matched_credit_ids
        return {
            "move_id": move.id,
            "date": date,
            "principal": move.amount_residual,
            "interest": penalties["interest"],
            "indemnity": penalties["indemnity"],
            "partial_watermark": max(partials.ids, default=0),
        }

    @api.model
    def _cabinet_get_move_penalties(self, move, date):
        """Late interest and recovery indemnity of ``move`` at ``date``.

        :return: dict with ``interest`` and ``indemnity`` (floats)
        """
        penalties = move._cabinet_get_late_penalties(date)
        return {"interest": penalties["interest"], "indemnity": penalties["indemnity"]}

    def _cabinet_register_letter(self, reference=False, date=False):
        """Record a letter sent in the cabinet's name on this file; the first
        one's reference and date are kept to be repeated on later letters
        (CPCE R124-4).

        :param reference: the letter's reference, the file's by default
        :param date: the letter's date, today by default
        """
        for collection_file in self.filtered(lambda f: not f.first_letter_ref):
            collection_file.write(
                {
                    "first_letter_ref": reference or collection_file.name,
                    "first_letter_date": date or fields.Date.context_today(self),
                }
            )

    def _cabinet_get_letter_mentions(self):
        """The mentions a letter sent in the cabinet's name on behalf of the
        creditor must carry (CPCE R124-4), in French, one text per mention,
        for the letter template.

        :return: list of str
        """
        self.ensure_one()
        mentions = [
            self._get_mention_collector(),
            self._get_mention_creditor(),
            self._get_mention_amounts(),
            self._get_mention_payment(),
            self._get_mention_costs(),
        ]
        if self.first_letter_ref:
            mentions.append(self._get_mention_first_letter())
        return mentions

    def _format_amount(self, amount):
        # French letter: French number format whatever the user's language.
        text = f"{amount:,.2f}".replace(",", "\N{NO-BREAK SPACE}").replace(".", ",")
        return f"{text}\N{NO-BREAK SPACE}{self.currency_id.symbol}"

    def _get_mention_collector(self):
        firm = self.firm_id or self.env.company
        return (
            f"Le présent courrier vous est adressé par {firm.name}, "
            f"{self._get_party_address(firm)}, expert-comptable, recouvrement "
            "amiable de créances à titre accessoire, agissant au nom et pour le "
            "compte de son client en vertu d'un mandat écrit."
        )

    def _get_mention_creditor(self):
        creditor = self.company_id
        return f"Créancier : {creditor.name}, {self._get_party_address(creditor)}."

    def _get_mention_amounts(self):
        return (
            f"Somme réclamée : {self._format_amount(self.amount_claimed)}, "
            f"dont principal {self._format_amount(self.amount_principal)}, "
            f"intérêts {self._format_amount(self.amount_interest)}, "
            "indemnité forfaitaire pour frais de recouvrement "
            f"{self._format_amount(self.amount_indemnity)} et accessoires "
            f"{self._format_amount(self.amount_accessories)}, déduction faite "
            f"des règlements reçus ({self._format_amount(self.amount_recovered)}). "
            f"Factures concernées : {', '.join(self.move_ids.mapped('name'))}."
        )

    def _get_mention_payment(self):
        # Experts-comptables never handle the funds: the debtor pays the
        # creditor directly (ord. 45-2138 art. 22, CSOEC).
        bank = self.bank_account_id
        creditor = self.company_id.name
        how = f"directement auprès de {creditor}"
        if bank:
            how = f"par virement sur le compte de {creditor}, IBAN {bank.acc_number}"
            if bank.bank_bic:
                how = f"{how}, BIC {bank.bank_bic}"
        return (
            f"Nous vous demandons de régler cette somme sans délai, {how}. "
            "Aucun paiement ne doit être adressé au cabinet."
        )

    def _get_mention_costs(self):
        # CPCE L111-8 paragraphs 2 and 3, as R124-4 requires them.
        return (
            "Sauf s'ils concernent un acte dont l'accomplissement est prescrit "
            "par la loi, les frais de recouvrement entrepris sans titre "
            "exécutoire restent à la charge du créancier. Toute stipulation "
            "contraire est réputée non écrite, sauf disposition contraire "
            "prévue par la loi. Cependant, le créancier qui justifie du "
            "caractère nécessaire des démarches entreprises pour recouvrer sa "
            "créance peut demander au juge de l'exécution de laisser tout ou "
            "partie des frais ainsi exposés à la charge du débiteur de mauvaise "
            "foi (article L111-8 du code des procédures civiles d'exécution)."
        )

    def _get_mention_first_letter(self):
        return (
            f"Référence de notre premier courrier : {self.first_letter_ref}, "
            f"du {self.first_letter_date.strftime('%d/%m/%Y')}."
        )

    def _get_party_address(self, company):
        address = company.partner_id._display_address(without_company=True)
        return ", ".join(line for line in address.splitlines() if line.strip())

    def _cabinet_get_recoveries(self, date_from=False, date_to=False):
        """The payments received on the files' invoices since their hand-over,
        optionally within a period.

        :return: list of dicts with ``line`` (cabinet.collection.file.line),
            ``date`` and ``amount`` (company currency), by date
        """
        return self.line_ids._get_recoveries(date_from, date_to)
