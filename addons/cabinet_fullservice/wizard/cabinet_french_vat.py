from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..tools import vat_rates


class CabinetFrenchVat(models.TransientModel):
    """Re-issue a draft whose lines carry foreign VAT rates under the client
    company's French taxes.

    An invoice imported from a foreign tool keeps the file's rates so that
    the draft gives the file's totals; the client, a French company, issues
    it with French VAT (BR-FR-16). The collaborator maps each foreign rate
    to a French tax: net amounts stay, the VAT and totals are recomputed,
    and the mapping is kept in the chatter.
    """

    _name = "cabinet.french.vat"
    _description = "Apply French VAT to a Draft"

    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="move_id.company_id")
    currency_id = fields.Many2one(related="move_id.currency_id")
    line_ids = fields.One2many(
        comodel_name="cabinet.french.vat.line",
        inverse_name="wizard_id",
        string="Rates",
    )

    # -------------------------------------------------------------------------
    # CRUD Methods
    # -------------------------------------------------------------------------

    @api.model
    def _cabinet_create_for(self, move):
        """The wizard of ``move``, one line per foreign tax of its lines,
        each with the nearest French rate proposed.
        """
        move._cabinet_check_can_apply_french_vat()
        lines = []
        for tax in move._cabinet_get_foreign_taxes():
            amls = move.invoice_line_ids.filtered(lambda aml, t=tax: t in aml.tax_ids)
            lines.append(
                Command.create(
                    {
                        "foreign_tax_id": tax.id,
                        "basis": sum(amls.mapped("price_subtotal")),
                        "line_count": len(amls),
                        "french_tax_id": self._cabinet_propose_tax(tax).id,
                    }
                )
            )
        return self.create({"move_id": move.id, "line_ids": lines})

    def _cabinet_propose_tax(self, foreign_tax):
        rate = vat_rates.nearest_standard_rate(foreign_tax.amount)
        return self.env["account.tax"]._cabinet_get_sale_tax(
            foreign_tax.company_id, rate, category="S"
        )

    # -------------------------------------------------------------------------
    # Actions
    # -------------------------------------------------------------------------

    def action_apply(self):
        """Replace every foreign tax by the chosen French tax on the lines,
        log the mapping and the totals before and after.
        """
        self.ensure_one()
        move = self.move_id
        move._cabinet_check_can_apply_french_vat()
        missing = self.line_ids.filtered(lambda line: not line.french_tax_id)
        if missing:
            raise UserError(
                self.env._(
                    "Choose a French tax for the rate %(rates)s.",
                    rates=", ".join(
                        f"{vat_rates.format_rate(line.foreign_rate)} %"
                        for line in missing
                    ),
                )
            )
        wrong = self.line_ids.french_tax_id.filtered(
            lambda tax: not vat_rates.is_french_rate(tax.amount)
        )
        if wrong:
            raise UserError(
                self.env._(
                    "%(taxes)s is not a French VAT rate (BR-FR-16): choose a "
                    "tax of 20, 10, 5.5 or 2.1 %%.",
                    taxes=", ".join(wrong.mapped("name")),
                )
            )
        before = (move.amount_untaxed, move.amount_tax, move.amount_total)
        # The French chart ships reduced rates archived; taxes are managed
        # by accountants, hence sudo for a collaborator.
        self.line_ids.french_tax_id.filtered(lambda tax: not tax.active).sudo().write(
            {"active": True}
        )
        mapping = {line.foreign_tax_id: line.french_tax_id for line in self.line_ids}
        for aml in move.invoice_line_ids:
            foreign = aml.tax_ids.filtered(lambda tax: tax in mapping)
            if foreign:
                french = self.env["account.tax"].union(
                    *(mapping[tax] for tax in foreign)
                )
                aml.tax_ids = [Command.set((aml.tax_ids - foreign | french).ids)]
        move.message_post(body=self._cabinet_get_log_body(before))
        return {"type": "ir.actions.act_window_close"}

    def _cabinet_get_log_body(self, before):
        move = self.move_id
        items = Markup("").join(
            Markup("<li>%s</li>")
            % self.env._(
                "%(foreign)s (%(rate)s %%) → %(french)s on %(count)s line(s), "
                "taxable amount %(basis)s",
                foreign=line.foreign_tax_id.name,
                rate=vat_rates.format_rate(line.foreign_rate),
                french=line.french_tax_id.name,
                count=line.line_count,
                basis=f"{line.basis:.2f}",
            )
            for line in self.line_ids
        )
        totals = self.env._(
            "Untaxed, VAT, total: %(before)s before; %(after)s now. Net amounts "
            "are unchanged.",
            before=" / ".join(f"{amount:.2f}" for amount in before),
            after=" / ".join(
                f"{amount:.2f}"
                for amount in (move.amount_untaxed, move.amount_tax, move.amount_total)
            ),
        )
        return Markup("<p>%s</p><ul>%s</ul><p>%s</p>") % (
            self.env._(
                "Re-issued under the French VAT of %(company)s by %(user)s:",
                company=move.company_id.name,
                user=self.env.user.name,
            ),
            items,
            totals,
        )


class CabinetFrenchVatLine(models.TransientModel):
    _name = "cabinet.french.vat.line"
    _description = "Foreign VAT Rate Mapped to a French Tax"

    wizard_id = fields.Many2one(
        comodel_name="cabinet.french.vat", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="wizard_id.company_id")
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    foreign_tax_id = fields.Many2one(
        comodel_name="account.tax", required=True, readonly=True
    )
    foreign_rate = fields.Float(
        string="Foreign Rate (%)", related="foreign_tax_id.amount"
    )
    line_count = fields.Integer(string="Lines", readonly=True)
    basis = fields.Monetary(string="Taxable Amount", readonly=True)
    french_tax_id = fields.Many2one(
        comodel_name="account.tax",
        domain="[('company_id', 'parent_of', company_id), "
        "('type_tax_use', '=', 'sale'), ('amount_type', '=', 'percent'), "
        "('price_include', '=', False), ('amount', 'in', [20, 10, 5.5, 2.1]), "
        "'|', ('active', '=', True), ('active', '=', False)]",
        help="The client's sale tax the lines are re-issued with. Proposed: "
        "the metropolitan rate closest to the foreign one; confirm the rate "
        "the client applies to this sale.",
    )
