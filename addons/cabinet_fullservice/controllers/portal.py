import logging
from collections import defaultdict

from werkzeug.exceptions import NotFound

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import content_disposition, request
from odoo.tools import format_date

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..tools.portal_upload import MAX_UPLOAD_SIZE, UploadError, check_upload

_logger = logging.getLogger(__name__)

INVOICES_PER_PAGE = 20
DRAFTS_PER_PAGE = 20
ISSUED_MOVE_TYPES = ("out_invoice", "out_refund")


def facturx_pdf_response(invoice_sudo):
    """The Factur-X PDF stored when ``invoice_sudo`` was issued, as a
    download; 404 when none is stored. The caller checks beforehand that the
    visitor may see the invoice."""
    attachment_sudo = invoice_sudo.cabinet_facturx_pdf_id
    if not attachment_sudo:
        raise NotFound()
    return request.make_response(
        attachment_sudo.raw,
        headers=[
            ("Content-Type", "application/pdf"),
            ("Content-Disposition", content_disposition(attachment_sudo.name)),
        ],
    )


class CabinetClientPortal(CustomerPortal):
    """The portal of the cabinet's client companies: drafts sent to the
    cabinet, invoices issued in their name and the monthly mission report.

    Every route first resolves the client company of the logged-in user
    (``res.users._cabinet_get_portal_client_company``) and answers 404 to
    anyone else; records are then read with sudo, always within that
    company, never from an id trusted as is.
    """

    # -------------------------------------------------------------------------
    # Helpers
    # -------------------------------------------------------------------------

    def _cabinet_get_client_company(self):
        company_sudo = request.env.user._cabinet_get_portal_client_company()
        if not company_sudo:
            raise NotFound()
        return company_sudo

    def _cabinet_invoice_domain(self, company):
        return [
            ("company_id", "=", company.id),
            ("move_type", "in", ISSUED_MOVE_TYPES),
            ("state", "=", "posted"),
        ]

    def _cabinet_get_invoice(self, company, invoice_id):
        invoice_sudo = (
            request.env["account.move"]
            .sudo()
            .search(
                [("id", "=", invoice_id), *self._cabinet_invoice_domain(company)],
                limit=1,
            )
        )
        if not invoice_sudo:
            raise NotFound()
        return invoice_sudo

    def _cabinet_invoice_sortings(self):
        return {
            "date_desc": {
                "label": request.env._("Newest first"),
                "order": "invoice_date desc, id desc",
            },
            "date_asc": {
                "label": request.env._("Oldest first"),
                "order": "invoice_date asc, id asc",
            },
            "due_date": {
                "label": request.env._("Due date"),
                "order": "invoice_date_due asc, id asc",
            },
        }

    def _prepare_home_portal_values(self, counters):
        # EXTENDS portal: the "My mission" card shows for client users only.
        values = super()._prepare_home_portal_values(counters)
        if "cabinet_mission_count" in counters:
            company_sudo = request.env.user._cabinet_get_portal_client_company()
            values["cabinet_mission_count"] = 1 if company_sudo else 0
        return values

    # -------------------------------------------------------------------------
    # Routes
    # -------------------------------------------------------------------------

    @http.route("/my/cabinet/mission", type="http", auth="user", website=True)
    def cabinet_mission_home(self, **kwargs):
        """Home of the client's mission: links to drafts, invoices, report."""
        company_sudo = self._cabinet_get_client_company()
        Move = request.env["account.move"].sudo()
        values = {
            "page_name": "cabinet_mission",
            "company": company_sudo,
            "draft_count": Move.search_count(self._cabinet_draft_domain(company_sudo)),
            "invoice_count": Move.search_count(
                self._cabinet_invoice_domain(company_sudo)
            ),
        }
        return request.render("cabinet_fullservice.portal_cabinet_mission", values)

    @http.route(
        ["/my/cabinet/mission/drafts", "/my/cabinet/mission/drafts/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def cabinet_mission_drafts(self, page=1, **kwargs):
        """Upload invoice drafts (PDF, PNG, JPEG, XLSX, ODS, CSV) for the
        cabinet to complete; each file becomes a draft invoice of the client
        company. POST is protected by the CSRF token of the form."""
        company_sudo = self._cabinet_get_client_company()
        values = {
            "page_name": "cabinet_mission_drafts",
            "company": company_sudo,
            "max_size_mb": MAX_UPLOAD_SIZE // (1024 * 1024),
            "errors": [],
            "drafts": request.env["account.move"],
        }
        if request.httprequest.method == "POST":
            uploads = request.httprequest.files.getlist("files")
            files, values["errors"] = self._cabinet_check_uploads(uploads)
            if not files and not values["errors"]:
                values["errors"] = [request.env._("Choose at least one file.")]
            if not values["errors"]:
                try:
                    values["drafts"] = (
                        request.env["account.move"]
                        .sudo()
                        ._cabinet_create_portal_drafts(
                            company_sudo, files, request.env.user
                        )
                    )
                except UserError as error:
                    values["errors"] = [error.args[0]]
        values.update(self._cabinet_get_draft_list_values(company_sudo, page))
        return request.render(
            "cabinet_fullservice.portal_cabinet_mission_drafts", values
        )

    def _cabinet_draft_domain(self, company):
        return [
            ("company_id", "=", company.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "draft"),
        ]

    def _cabinet_get_draft_list_values(self, company, page):
        """The client's drafts waiting for the cabinet, newest first, one page
        at a time, with the names of their files (one query for all)."""
        Move = request.env["account.move"].sudo()
        domain = self._cabinet_draft_domain(company)
        count = Move.search_count(domain)
        pager = portal_pager(
            url="/my/cabinet/mission/drafts",
            total=count,
            page=page,
            step=DRAFTS_PER_PAGE,
        )
        drafts_sudo = Move.search(
            domain,
            order="create_date desc, id desc",
            limit=DRAFTS_PER_PAGE,
            offset=pager["offset"],
        )
        attachments_sudo = (
            request.env["ir.attachment"]
            .sudo()
            .search(
                [("res_model", "=", "account.move"), ("res_id", "in", drafts_sudo.ids)],
                order="id",
            )
        )
        file_names = defaultdict(list)
        for attachment_sudo in attachments_sudo:
            file_names[attachment_sudo.res_id].append(attachment_sudo.name)
        return {
            "waiting_drafts": drafts_sudo,
            "waiting_draft_count": count,
            "draft_file_names": file_names,
            "pager": pager,
        }

    def _cabinet_check_uploads(self, uploads):
        """Read and check the uploaded files.

        :return: (files, errors): files as (filename, raw), errors
            as messages naming the file and the rule broken
        """
        files, errors = [], []
        for upload in uploads:
            if not upload.filename:
                continue
            raw = upload.read(MAX_UPLOAD_SIZE + 1)
            try:
                check_upload(upload.filename, raw)
            except UploadError as error:
                errors.append(self._cabinet_upload_error_message(error))
                continue
            files.append((upload.filename, raw))
        return files, errors

    def _cabinet_upload_error_message(self, error):
        messages = {
            "empty": request.env._("%(file)s is empty.", file=error.filename),
            "too_large": request.env._(
                "%(file)s is larger than %(size)s MB, the maximum size.",
                file=error.filename,
                size=MAX_UPLOAD_SIZE // (1024 * 1024),
            ),
            "extension": request.env._(
                "%(file)s is not an accepted type: send a PDF, an image (PNG, "
                "JPEG) or a spreadsheet (XLSX, ODS, CSV).",
                file=error.filename,
            ),
            "content": request.env._(
                "%(file)s does not contain what its extension says: its content "
                "is not a valid file of that type.",
                file=error.filename,
            ),
        }
        return messages[error.code]

    @http.route(
        [
            "/my/cabinet/mission/invoices",
            "/my/cabinet/mission/invoices/page/<int:page>",
        ],
        type="http",
        auth="user",
        website=True,
    )
    def cabinet_mission_invoices(self, page=1, sortby="date_desc", **kwargs):
        """Invoices issued in the client's name, with their platform status."""
        company_sudo = self._cabinet_get_client_company()
        sortings = self._cabinet_invoice_sortings()
        sortby = sortby if sortby in sortings else "date_desc"
        Move = request.env["account.move"].sudo()
        domain = self._cabinet_invoice_domain(company_sudo)
        pager = portal_pager(
            url="/my/cabinet/mission/invoices",
            url_args={"sortby": sortby},
            total=Move.search_count(domain),
            page=page,
            step=INVOICES_PER_PAGE,
        )
        invoices_sudo = Move.search(
            domain,
            order=sortings[sortby]["order"],
            limit=INVOICES_PER_PAGE,
            offset=pager["offset"],
        )
        values = {
            "page_name": "cabinet_mission_invoices",
            "company": company_sudo,
            "invoices": invoices_sudo,
            "pager": pager,
            "sortby": sortby,
            "searchbar_sortings": sortings,
            "default_url": "/my/cabinet/mission/invoices",
            "today": fields.Date.context_today(request.env.user),
        }
        return request.render(
            "cabinet_fullservice.portal_cabinet_mission_invoices", values
        )

    @http.route(
        "/my/cabinet/mission/invoices/<int:invoice_id>",
        type="http",
        auth="user",
        website=True,
    )
    def cabinet_mission_invoice(self, invoice_id, **kwargs):
        """One invoice issued in the client's name; 404 outside the company."""
        company_sudo = self._cabinet_get_client_company()
        invoice_sudo = self._cabinet_get_invoice(company_sudo, invoice_id)
        return self._cabinet_render_invoice(company_sudo, invoice_sudo)

    def _cabinet_render_invoice(self, company, invoice_sudo, **values):
        # Not named ``invoice``: account's portal breadcrumbs would add its name.
        return request.render(
            "cabinet_fullservice.portal_cabinet_mission_invoice",
            {
                "page_name": "cabinet_mission_invoice",
                "company": company,
                "cabinet_invoice": invoice_sudo,
                "today": fields.Date.context_today(request.env.user),
                **self._cabinet_get_contest_values(invoice_sudo),
                **values,
            },
        )

    def _cabinet_get_contest_values(self, invoice_sudo):
        """Sentences on the client's contest, dates in the user's language:
        the contest made, or until when the invoice can still be contested."""
        env = request.env
        today = fields.Date.context_today(env.user)
        deadline = invoice_sudo.cabinet_contest_deadline
        values = {"contest_summary": False, "contest_open_until": False}
        if invoice_sudo.cabinet_contest_state == "contested":
            values["contest_summary"] = env._(
                "Contested on %(date)s: %(reason)s",
                date=format_date(env, invoice_sudo.cabinet_contest_date),
                reason=invoice_sudo.cabinet_contest_reason or "",
            )
        elif deadline and today <= deadline:
            values["contest_open_until"] = env._(
                "Can be contested until %(date)s", date=format_date(env, deadline)
            )
        return values

    @http.route(
        "/my/cabinet/mission/invoices/<int:invoice_id>/facturx",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def cabinet_mission_invoice_facturx(self, invoice_id, **kwargs):
        """The Factur-X PDF stored when the invoice was issued in the
        client's name; 404 outside the company or when none is stored."""
        company_sudo = self._cabinet_get_client_company()
        return facturx_pdf_response(self._cabinet_get_invoice(company_sudo, invoice_id))

    @http.route(
        "/my/cabinet/mission/invoices/<int:invoice_id>/contest",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def cabinet_mission_invoice_contest(self, invoice_id, reason="", **kwargs):
        """Contest an invoice issued in the client's name, within the contest
        period of the billing mandate; refused with the reason afterwards."""
        company_sudo = self._cabinet_get_client_company()
        invoice_sudo = self._cabinet_get_invoice(company_sudo, invoice_id)
        reason = (reason or "").strip()
        if not reason:
            return self._cabinet_render_invoice(
                company_sudo,
                invoice_sudo,
                contest_error=request.env._("Give the reason for the contest."),
            )
        try:
            invoice_sudo.action_cabinet_contest(reason)
        except UserError as error:
            return self._cabinet_render_invoice(
                company_sudo, invoice_sudo, contest_error=error.args[0]
            )
        return self._cabinet_render_invoice(
            company_sudo, invoice_sudo, contest_done=True
        )

    @http.route("/my/cabinet/mission/report", type="http", auth="user", website=True)
    def cabinet_mission_report(self, month=None, **kwargs):
        """The monthly mission report ("Restitution de la mission")."""
        company_sudo = self._cabinet_get_client_company()
        Report = request.env["cabinet.mission.report"].sudo()
        date_from, date_to, known = Report._get_mission_month_period(
            company_sudo, month
        )
        values = {
            "page_name": "cabinet_mission_report",
            "report": Report._get_report_values(company_sudo, date_from, date_to),
            "company": company_sudo,
            "month_warning": not known
            and request.env._(
                "Unknown month: showing %(month)s",
                month=format_date(request.env, date_from, date_format="MMMM y"),
            ),
        }
        return request.render(
            "cabinet_fullservice.portal_cabinet_mission_report", values
        )

    @http.route(
        "/my/cabinet/mission/report/pdf", type="http", auth="user", website=True
    )
    def cabinet_mission_report_pdf(self, month=None, **kwargs):
        """The monthly mission report as PDF."""
        company_sudo = self._cabinet_get_client_company()
        date_from, __, __ = (
            request.env["cabinet.mission.report"]
            .sudo()
            ._get_mission_month_period(company_sudo, month)
        )
        pdf, __ = (
            request.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf(
                "cabinet_fullservice.cabinet_mission_report_action",
                company_sudo.ids,
                data={"month": date_from.strftime("%Y-%m")},
            )
        )
        slug = request.env["ir.http"]._slugify(company_sudo.name) or company_sudo.id
        filename = f"mission-report-{slug}-{date_from:%Y-%m}.pdf"
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
