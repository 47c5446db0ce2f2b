from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import content_disposition, request
from odoo.tools import consteq

from odoo.addons.account_payment.controllers.portal import PortalAccount
from odoo.addons.cabinet_fullservice.controllers.portal import facturx_pdf_response

STATEMENT_REPORT = "cabinet_recouvrement.cabinet_debtor_statement_report"
# Session keys of the feedback shown once after a debtor's request.
SESSION_ERROR = "cabinet_portal_error"
SESSION_SUCCESS = "cabinet_portal_success"


class CabinetDebtorPortal(PortalAccount):
    """Debtor side of the portal: invoices of the client companies, their
    Factur-X PDF, the statement, the reminder link and the debtor's requests.

    Every route checks ownership itself before reading with sudo (RC-23): an
    access token of the very record, or a portal user of the invoice's
    commercial entity. A failed check answers 404, whatever the reason.
    """

    # -------------------------------------------------------------------------
    # Access checks
    # -------------------------------------------------------------------------

    def _cabinet_get_invoice_sudo(self, invoice_id, access_token=None):
        """The invoice in sudo if the visitor may see it, else 404.

        :param access_token: the invoice's own token (e-mail links)
        """
        invoice_sudo = request.env["account.move"].sudo().browse(invoice_id).exists()
        if not invoice_sudo:
            raise NotFound()
        if (
            access_token
            and invoice_sudo.access_token
            and consteq(invoice_sudo.access_token, access_token)
        ):
            return invoice_sudo
        user = request.env.user
        if user._is_public() or (
            user.share
            and invoice_sudo.commercial_partner_id != user.commercial_partner_id
        ):
            raise NotFound()
        try:
            invoice_sudo.with_user(user).check_access("read")
        except AccessError as error:
            raise NotFound() from error
        return invoice_sudo

    def _cabinet_get_reminder_sudo(self, reminder_id, access_token):
        """The sent reminder in sudo if ``access_token`` is its own, else 404."""
        reminder_sudo = (
            request.env["cabinet.dunning.communication"]
            .sudo()
            .browse(reminder_id)
            .exists()
        )
        if not (
            reminder_sudo
            and reminder_sudo.state == "sent"
            and access_token
            and reminder_sudo.access_token
            and consteq(reminder_sudo.access_token, access_token)
        ):
            raise NotFound()
        return reminder_sudo

    def _cabinet_get_author(self, partner_sudo):
        """Who writes: the logged-in user, else the debtor of the link."""
        user = request.env.user
        return partner_sudo if user._is_public() else user.partner_id

    # -------------------------------------------------------------------------
    # Invoices
    # -------------------------------------------------------------------------

    @http.route()
    def portal_my_invoice_detail(
        self, invoice_id, access_token=None, report_type=None, download=False, **kw
    ):
        """EXTENDS account: the invoice page, its PDF and HTML, only for its
        commercial entity or its token (RC-23), else 404."""
        self._cabinet_get_invoice_sudo(invoice_id, access_token)
        return super().portal_my_invoice_detail(
            invoice_id,
            access_token=access_token,
            report_type=report_type,
            download=download,
            **kw,
        )

    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        # EXTENDS account_payment: lifecycle status, overdue state, the
        # debtor's requests and their feedback. The page is only reached
        # after the ownership check; a debtor who opened it from its account
        # has no token in the address, yet the payment form needs one.
        access_token = access_token or invoice._portal_ensure_token()
        values = super()._invoice_get_page_view_values(invoice, access_token, **kwargs)
        values.update(self._cabinet_prepare_debtor_values(invoice))
        user = request.env.user
        values["cabinet_statement_url"] = (
            user.share
            and not user._is_public()
            and invoice.commercial_partner_id == user.commercial_partner_id
            and f"/my/cabinet/statement/{invoice.company_id.id}"
        )
        return values

    def _cabinet_prepare_debtor_values(self, invoices):
        session = request.session
        return {
            "cabinet_error": session.pop(SESSION_ERROR, False),
            "cabinet_success": session.pop(SESSION_SUCCESS, False),
            "cabinet_promise_date_max": invoices._cabinet_get_promise_date_max(),
            "cabinet_arrangements": {
                invoice.id: invoice._cabinet_get_portal_arrangements()
                for invoice in invoices
            },
        }

    @http.route(
        "/my/cabinet/invoice/<int:invoice_id>/facturx",
        type="http",
        auth="public",
        methods=["GET"],
    )
    def cabinet_invoice_facturx(self, invoice_id, access_token=None, **kw):
        """The Factur-X PDF stored when the invoice was issued.

        :return: the PDF, 404 when not the visitor's or not stored
        """
        invoice_sudo = self._cabinet_get_invoice_sudo(invoice_id, access_token)
        return facturx_pdf_response(invoice_sudo)

    @http.route(
        "/my/cabinet/invoice/<int:invoice_id>/<string:action>",
        type="http",
        auth="public",
        methods=["POST"],
    )
    def cabinet_invoice_request(self, invoice_id, action, access_token=None, **post):
        """The debtor disputes, promises to pay or asks for a plan on one
        invoice (CSRF-protected form); back to the invoice page."""
        invoice_sudo = self._cabinet_get_invoice_sudo(invoice_id, access_token)
        author = self._cabinet_get_author(invoice_sudo.partner_id)
        self._cabinet_apply_request(invoice_sudo, action, author, post)
        return request.redirect(invoice_sudo.get_portal_url())

    def _cabinet_apply_request(self, invoices_sudo, action, author, post):
        """Run the debtor's request; its outcome is shown once on the page."""
        if action not in ("dispute", "promise", "plan"):
            raise NotFound()
        invoices_sudo = invoices_sudo.filtered(
            lambda invoice: invoice.payment_state in ("not_paid", "partial")
        )
        try:
            if not invoices_sudo:
                raise UserError(
                    request.env._("Please select at least one invoice still to pay.")
                )
            if action == "dispute":
                invoices_sudo._cabinet_portal_open_dispute(post.get("reason"), author)
                message = request.env._(
                    "Your dispute is recorded; we will come back to you."
                )
            elif action == "promise":
                invoices_sudo._cabinet_portal_promise(post.get("date"), author)
                message = request.env._("Thank you, your promise to pay is recorded.")
            else:
                invoices_sudo._cabinet_portal_request_plan(
                    post.get("instalments"), post.get("message"), author
                )
                message = request.env._(
                    "Your request is sent; we will come back to you."
                )
        except UserError as error:
            request.session[SESSION_ERROR] = error.args[0]
        else:
            request.session[SESSION_SUCCESS] = message

    # -------------------------------------------------------------------------
    # Statement
    # -------------------------------------------------------------------------

    @http.route(
        "/my/cabinet/statement/<int:company_id>",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def cabinet_statement(self, company_id, **kw):
        """Statement of the logged-in debtor's commercial entity with one
        client company; 404 when the debtor has no invoice from it."""
        partner = request.env.user.commercial_partner_id
        has_invoice = request.env["account.move"].search_count(
            [
                ("company_id", "=", company_id),
                ("commercial_partner_id", "=", partner.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
            ],
            limit=1,
        )
        if not request.env.user.share or not has_invoice:
            raise NotFound()
        company_sudo = request.env["res.company"].sudo().browse(company_id)
        return self._cabinet_statement_response(company_sudo, partner.sudo())

    def _cabinet_statement_response(self, company_sudo, partner_sudo):
        pdf = (
            request.env["ir.actions.report"]
            .sudo()
            .with_company(company_sudo)
            ._render_qweb_pdf(STATEMENT_REPORT, partner_sudo.ids)[0]
        )
        filename = request.env._(
            "Statement - %(company)s.pdf", company=company_sudo.name
        )
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )

    # -------------------------------------------------------------------------
    # Reminder link
    # -------------------------------------------------------------------------

    @http.route(
        "/my/cabinet/reminder/<int:reminder_id>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
    )
    def cabinet_reminder(self, reminder_id, access_token=None, **kw):
        """The reminder's invoices for its debtor, without a portal account:
        open amounts, status, payment links and the debtor's requests.

        :return: the page, 404 on a missing or wrong token
        """
        reminder_sudo = self._cabinet_get_reminder_sudo(reminder_id, access_token)
        invoices_sudo = reminder_sudo._cabinet_get_portal_moves()
        values = {
            "page_name": "cabinet_reminder",
            "reminder": reminder_sudo,
            "invoices": invoices_sudo,
            "access_token": access_token,
            "no_breadcrumbs": True,
            **self._cabinet_prepare_debtor_values(invoices_sudo),
        }
        return request.render("cabinet_recouvrement.portal_cabinet_reminder", values)

    @http.route(
        "/my/cabinet/reminder/<int:reminder_id>/statement",
        type="http",
        auth="public",
        methods=["GET"],
    )
    def cabinet_reminder_statement(self, reminder_id, access_token=None, **kw):
        """Statement of the reminder's debtor with the reminder's company."""
        reminder_sudo = self._cabinet_get_reminder_sudo(reminder_id, access_token)
        return self._cabinet_statement_response(
            reminder_sudo.company_id, reminder_sudo.partner_id.commercial_partner_id
        )

    @http.route(
        "/my/cabinet/reminder/<int:reminder_id>/<string:action>",
        type="http",
        auth="public",
        methods=["POST"],
    )
    def cabinet_reminder_request(self, reminder_id, action, access_token=None, **post):
        """The debtor's request on the invoices of the reminder it checked."""
        reminder_sudo = self._cabinet_get_reminder_sudo(reminder_id, access_token)
        invoices_sudo = reminder_sudo._cabinet_get_portal_moves()
        selected = set(request.httprequest.form.getlist("invoice_ids"))
        invoices_sudo = invoices_sudo.filtered(
            lambda invoice: str(invoice.id) in selected
        )
        author = self._cabinet_get_author(reminder_sudo.partner_id)
        self._cabinet_apply_request(invoices_sudo, action, author, post)
        return request.redirect(reminder_sudo.get_portal_url())
