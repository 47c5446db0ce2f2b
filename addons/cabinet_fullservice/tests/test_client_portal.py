import io
import zipfile
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .client_portal_common import CabinetClientPortalCommon

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def _xlsx():
    """A minimal XLSX: the parts that make a workbook."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@tagged("post_install", "-at_install")
class TestClientPortal(CabinetClientPortalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.today()
        cls.today = today
        cls.inv_a1 = cls._post_client_invoice(
            cls.client_a, 1000.0, today, today + timedelta(days=30)
        )
        # Issued 40 days ago: contest period (15 days) over, 10 days overdue.
        cls.inv_a2 = cls._post_client_invoice(
            cls.client_a, 500.0, today - timedelta(days=40), today - timedelta(days=10)
        )
        cls.inv_b1 = cls._post_client_invoice(
            cls.client_b, 700.0, today, today + timedelta(days=30)
        )

    # -------------------------------------------------------------------------
    # HELPERS
    # -------------------------------------------------------------------------

    def _drafts(self, company):
        return self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "draft"),
            ]
        )

    def _upload(self, files):
        """POST the files to the upload form as the logged-in user."""
        return self.url_open(
            "/my/cabinet/mission/drafts",
            data={"csrf_token": self.csrf_token()},
            files=[("files", file) for file in files],
        )

    def _set_french(self, user):
        self.env["res.lang"]._activate_lang("fr_FR")
        user.lang = "fr_FR"

    def csrf_token(self):
        # The token of the current session, as the form would carry it.
        response = self.url_open("/my/cabinet/mission/drafts")
        marker = 'name="csrf_token" value="'
        start = response.text.index(marker) + len(marker)
        return response.text[start : response.text.index('"', start)]

    # -------------------------------------------------------------------------
    # Access
    # -------------------------------------------------------------------------

    def test_client_company_resolved_from_commercial_partner(self):
        self.assertEqual(
            self.user_a._cabinet_get_portal_client_company(), self.client_a
        )
        self.assertEqual(
            self.user_b._cabinet_get_portal_client_company(), self.client_b
        )
        for user in (self.user_debtor, self.user_internal_b, self.env.user):
            self.assertFalse(user._cabinet_get_portal_client_company(), user.login)

    def test_client_without_active_mandate_has_no_portal(self):
        mandate = self.env["cabinet.billing.mandate"].search(
            [("company_id", "=", self.client_a.id), ("state", "=", "active")]
        )
        mandate.state = "suspended"
        self.assertFalse(self.user_a._cabinet_get_portal_client_company())
        self.authenticate("client_a", "client_a")
        self.assertEqual(self.url_open("/my/cabinet/mission").status_code, 404)

    def test_home_counter_only_for_client_users(self):
        for login, expected in (("client_a", 1), ("debtor_b1", 0)):
            self.authenticate(login, login)
            response = self.make_jsonrpc_request(
                "/my/counters", {"counters": ["cabinet_mission_count"]}
            )
            self.assertEqual(response["cabinet_mission_count"], expected, login)

    def test_mission_pages_refused_to_others(self):
        urls = (
            "/my/cabinet/mission",
            "/my/cabinet/mission/drafts",
            "/my/cabinet/mission/invoices",
            f"/my/cabinet/mission/invoices/{self.inv_b1.id}",
            "/my/cabinet/mission/report",
            "/my/cabinet/mission/report/pdf",
        )
        for login in ("debtor_b1", "internal_b"):
            self.authenticate(login, login)
            for url in urls:
                self.assertEqual(self.url_open(url).status_code, 404, (login, url))

    def test_each_client_lists_only_its_own_invoices(self):
        self.authenticate("client_a", "client_a")
        response = self.url_open("/my/cabinet/mission/invoices")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.inv_a1.name, response.text)
        self.assertIn(self.inv_a2.name, response.text)
        self.assertNotIn(
            f"/my/cabinet/mission/invoices/{self.inv_b1.id}", response.text
        )
        self.assertIn("o_cabinet_overdue", response.text)

        self.authenticate("client_b", "client_b")
        response = self.url_open("/my/cabinet/mission/invoices")
        self.assertIn(f"/my/cabinet/mission/invoices/{self.inv_b1.id}", response.text)
        self.assertNotIn(
            f"/my/cabinet/mission/invoices/{self.inv_a1.id}", response.text
        )
        self.assertNotIn(
            f"/my/cabinet/mission/invoices/{self.inv_a2.id}", response.text
        )

    def test_invoices_sorted_by_date(self):
        self.authenticate("client_a", "client_a")
        newest = self.url_open("/my/cabinet/mission/invoices?sortby=date_desc").text
        oldest = self.url_open("/my/cabinet/mission/invoices?sortby=date_asc").text
        link_1 = f"/my/cabinet/mission/invoices/{self.inv_a1.id}"
        link_2 = f"/my/cabinet/mission/invoices/{self.inv_a2.id}"
        self.assertLess(newest.index(link_1), newest.index(link_2))
        self.assertLess(oldest.index(link_2), oldest.index(link_1))

    def test_invoice_of_other_company_is_not_found(self):
        self.authenticate("client_a", "client_a")
        response = self.url_open(f"/my/cabinet/mission/invoices/{self.inv_a1.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.inv_a1.name, response.text)
        self.assertEqual(
            self.url_open(f"/my/cabinet/mission/invoices/{self.inv_b1.id}").status_code,
            404,
        )
        response = self.url_open(
            f"/my/cabinet/mission/invoices/{self.inv_b1.id}/contest",
            data={"csrf_token": self.csrf_token(), "reason": "Not ours"},
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.inv_b1.cabinet_contest_state, "none")

    def test_invoice_breadcrumb_names_the_invoice_once(self):
        self.authenticate("client_a", "client_a")
        page = self.url_open(f"/my/cabinet/mission/invoices/{self.inv_a1.id}").text
        start = page.index("o_portal_submenu")
        breadcrumbs = page[start : page.index("</ol>", start)]
        self.assertEqual(breadcrumbs.count(self.inv_a1.name), 1, breadcrumbs)
        self.assertIn("/my/cabinet/mission/invoices", breadcrumbs)

    def test_download_stored_facturx_of_own_invoice_only(self):
        self.inv_a1._cabinet_store_facturx_pdf(PDF)
        self.inv_b1._cabinet_store_facturx_pdf(PDF)
        self.authenticate("client_a", "client_a")
        url_a1 = f"/my/cabinet/mission/invoices/{self.inv_a1.id}/facturx"
        page = self.url_open(f"/my/cabinet/mission/invoices/{self.inv_a1.id}").text
        self.assertIn(f'href="{url_a1}"', page)
        response = self.url_open(url_a1)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, PDF)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn(
            self.inv_a1.cabinet_facturx_pdf_id.name,
            response.headers["Content-Disposition"],
        )
        # None stored: no link, 404.
        url_a2 = f"/my/cabinet/mission/invoices/{self.inv_a2.id}/facturx"
        page = self.url_open(f"/my/cabinet/mission/invoices/{self.inv_a2.id}").text
        self.assertNotIn("o_cabinet_facturx_download", page)
        self.assertEqual(self.url_open(url_a2).status_code, 404)
        # Another company's invoice, though stored: 404 to client A and others.
        url_b1 = f"/my/cabinet/mission/invoices/{self.inv_b1.id}/facturx"
        self.assertEqual(self.url_open(url_b1).status_code, 404)
        for login in ("debtor_b1", "internal_b"):
            self.authenticate(login, login)
            self.assertEqual(self.url_open(url_b1).status_code, 404, login)
        self.authenticate("client_b", "client_b")
        self.assertEqual(self.url_open(url_b1).content, PDF)

    # -------------------------------------------------------------------------
    # Contest
    # -------------------------------------------------------------------------

    def test_contest_deadline_shown_while_open_then_the_contest(self):
        self._set_french(self.user_a)
        self.authenticate("client_a", "client_a")
        url = f"/my/cabinet/mission/invoices/{self.inv_a1.id}"
        deadline = self.inv_a1.cabinet_contest_deadline
        page = self.url_open(url).text
        # The French user reads the deadline in the French date format.
        self.assertRegex(
            page, rf'o_cabinet_contest_open_until">[^<]*{deadline:%d/%m/%Y}<'
        )
        self.assertNotIn("o_cabinet_contest_summary", page)
        # Period over: no deadline shown.
        page = self.url_open(f"/my/cabinet/mission/invoices/{self.inv_a2.id}").text
        self.assertNotIn("o_cabinet_contest_open_until", page)
        self.url_open(
            f"{url}/contest",
            data={"csrf_token": self.csrf_token(), "reason": "Wrong quantity"},
        )
        page = self.url_open(url).text
        today = f"{self.today:%d/%m/%Y}"
        self.assertRegex(
            page, rf'o_cabinet_contest_summary">[^<]*{today}[^<]*Wrong quantity<'
        )
        self.assertNotIn("o_cabinet_contest_open_until", page)
        self.assertNotIn("o_cabinet_contest_form", page)

    def test_contest_within_deadline(self):
        self.authenticate("client_a", "client_a")
        response = self.url_open(
            f"/my/cabinet/mission/invoices/{self.inv_a1.id}/contest",
            data={"csrf_token": self.csrf_token(), "reason": "Wrong quantity"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_cabinet_contest_done", response.text)
        self.assertRecordValues(
            self.inv_a1,
            [
                {
                    "cabinet_contest_state": "contested",
                    "cabinet_contest_reason": "Wrong quantity",
                    "cabinet_contest_date": self.today,
                }
            ],
        )
        self.assertIn(
            "The client contested this invoice: Wrong quantity",
            "".join(self.inv_a1.message_ids.mapped("body")),
        )

    def test_contest_refused_after_deadline(self):
        self.authenticate("client_a", "client_a")
        page = self.url_open(f"/my/cabinet/mission/invoices/{self.inv_a2.id}").text
        self.assertNotIn("o_cabinet_contest_form", page)
        response = self.url_open(
            f"/my/cabinet/mission/invoices/{self.inv_a2.id}/contest",
            data={"csrf_token": self.csrf_token(), "reason": "Too late"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_cabinet_contest_error", response.text)
        self.assertIn("can no longer be contested", response.text)
        self.assertEqual(self.inv_a2.cabinet_contest_state, "none")

    # -------------------------------------------------------------------------
    # Drafts
    # -------------------------------------------------------------------------

    def test_upload_creates_drafts_in_own_company(self):
        self.authenticate("client_a", "client_a")
        response = self._upload(
            [
                ("facture.pdf", PDF, "application/pdf"),
                ("ticket.png", PNG, "image/png"),
                ("ventes.xlsx", _xlsx(), "application/octet-stream"),
            ]
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_cabinet_upload_done", response.text)
        drafts = self._drafts(self.client_a)
        self.assertEqual(len(drafts), 3)
        self.assertFalse(self._drafts(self.client_b))
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "in", drafts.ids)]
        )
        self.assertEqual(
            sorted(attachments.mapped("name")),
            ["facture.pdf", "ticket.png", "ventes.xlsx"],
        )
        pdf = attachments.filtered(lambda a: a.name == "facture.pdf")
        self.assertEqual(pdf.raw, PDF)
        self.assertEqual(pdf.mimetype, "application/pdf")
        draft = drafts.filtered(lambda move: move.id == pdf.res_id)
        self.assertRecordValues(
            draft,
            [
                {
                    "move_type": "out_invoice",
                    "state": "draft",
                    "company_id": self.client_a.id,
                }
            ],
        )
        message = self.env["mail.message"].search(
            [
                ("model", "=", "account.move"),
                ("res_id", "=", draft.id),
                ("attachment_ids", "in", pdf.ids),
            ]
        )
        self.assertIn(
            "Draft uploaded by Contact client_a from the portal", message.body
        )
        self.assertEqual(message.author_id, self.user_a.partner_id)

    def test_drafts_page_lists_the_company_s_drafts(self):
        self.authenticate("client_a", "client_a")
        self._upload([("facture.pdf", PDF, "application/pdf")])
        self._upload(
            [("ticket.png", PNG, "image/png"), ("ventes.xlsx", _xlsx(), "text/csv")]
        )
        first, second, third = self._drafts(self.client_a).sorted("id")
        page = self.url_open("/my/cabinet/mission/drafts").text
        self.assertIn('o_cabinet_draft_count">3<', page)
        rows = [f'data-draft-id="{draft.id}"' for draft in (third, second, first)]
        self.assertEqual(sorted(rows, key=page.index), rows, "newest first")
        self.assertIn('o_cabinet_draft_files">facture.pdf<', page)
        self.assertIn('o_cabinet_draft_files">ventes.xlsx<', page)
        self.assertEqual(page.count("<td>Contact client_a</td>"), 3)
        self.assertEqual(page.count("<td>Waiting for the cabinet</td>"), 3)
        # Client B sees none of them.
        self.authenticate("client_b", "client_b")
        page = self.url_open("/my/cabinet/mission/drafts").text
        self.assertIn('o_cabinet_draft_count">0<', page)
        self.assertNotIn("facture.pdf", page)

    def test_drafts_page_shows_twenty_drafts_and_a_pager(self):
        self.env["account.move"]._cabinet_create_portal_drafts(
            self.client_a,
            [(f"scan-{index:02d}.pdf", PDF) for index in range(21)],
            self.user_a,
        )
        self.authenticate("client_a", "client_a")
        page = self.url_open("/my/cabinet/mission/drafts").text
        self.assertIn('o_cabinet_draft_count">21<', page)
        self.assertEqual(page.count("data-draft-id="), 20)
        self.assertNotIn(">scan-00.pdf<", page)
        self.assertIn("/my/cabinet/mission/drafts/page/2", page)
        page = self.url_open("/my/cabinet/mission/drafts/page/2").text
        self.assertEqual(page.count("data-draft-id="), 1)
        self.assertIn(">scan-00.pdf<", page)

    def test_upload_of_client_b_lands_in_client_b(self):
        self.authenticate("client_b", "client_b")
        self._upload([("facture.pdf", PDF, "application/pdf")])
        self.assertEqual(len(self._drafts(self.client_b)), 1)
        self.assertFalse(self._drafts(self.client_a))

    def test_upload_refuses_disguised_executable_and_creates_nothing(self):
        self.authenticate("client_a", "client_a")
        response = self._upload(
            [
                ("facture.pdf", PDF, "application/pdf"),
                ("virus.pdf", EXE, "application/pdf"),
            ]
        )
        self.assertIn("o_cabinet_upload_errors", response.text)
        self.assertIn(
            "virus.pdf does not contain what its extension says", response.text
        )
        self.assertFalse(self._drafts(self.client_a), "all or nothing")

    def test_upload_refuses_other_types_and_large_files(self):
        self.authenticate("client_a", "client_a")
        response = self._upload([("setup.exe", EXE, "application/octet-stream")])
        self.assertIn("setup.exe is not an accepted type", response.text)
        large = PDF + b"0" * (8 * 1024 * 1024)
        response = self._upload([("scan.pdf", large, "application/pdf")])
        self.assertIn("scan.pdf is larger than 8 MB", response.text)
        self.assertFalse(self._drafts(self.client_a))

    def test_upload_of_template_spreadsheet_creates_invoices_with_lines(self):
        header = (
            "client_siren;invoice_ref;invoice_date;customer_name;"
            "line_description;quantity;unit_price;vat_rate"
        )
        row = "123456782;P-1;2026-11-02;Client Portail;Conseil;2;100,00;20"
        sheet = f"{header}\n{row}\n".encode()
        self.authenticate("client_a", "client_a")
        response = self._upload([("ventes.csv", sheet, "text/csv")])
        self.assertIn("o_cabinet_upload_done", response.text)
        draft = self._drafts(self.client_a)
        self.assertRecordValues(
            draft,
            [{"ref": "P-1", "amount_untaxed": 200.0, "amount_total": 240.0}],
        )
        self.assertEqual(draft.invoice_line_ids.name, "Conseil")
        self.assertTrue(
            self.env["ir.attachment"].search_count(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "=", draft.id),
                    ("name", "=", "ventes.csv"),
                ]
            )
        )

    def test_template_spreadsheet_of_another_company_is_refused(self):
        # The SIREN column names CB: a client imports into its own company only.
        sheet = (
            b"client_siren;invoice_ref;invoice_date;customer_name;"
            b"line_description;quantity;unit_price;vat_rate\n"
            b"111222337;P-2;2026-11-02;Client Portail;Conseil;1;100;20\n"
        )
        self.authenticate("client_a", "client_a")
        response = self._upload(
            [("facture.pdf", PDF, "application/pdf"), ("autre.csv", sheet, "text/csv")]
        )
        self.assertIn("autre.csv: Nothing was imported", response.text)
        self.assertFalse(self._drafts(self.client_a), "all or nothing")
        self.assertFalse(self._drafts(self.client_b))

    # -------------------------------------------------------------------------
    # Report
    # -------------------------------------------------------------------------

    def test_report_page_and_pdf_show_own_figures(self):
        month = self.today.strftime("%Y-%m")
        self.authenticate("client_a", "client_a")
        response = self.url_open(f"/my/cabinet/mission/report?month={month}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.client_a.name, response.text)
        self.assertNotIn(self.client_b.name, response.text)
        self.assertIn('class="fs-4 o_cabinet_issued_count">1<', response.text)
        self.assertNotIn("o_cabinet_month_warning", response.text)
        response = self.url_open(f"/my/cabinet/mission/report/pdf?month={month}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            f"mission-report-atelier-fictif-sarl-{month}.pdf",
            response.headers["Content-Disposition"],
        )

    def test_unknown_month_shows_the_current_month_with_a_message(self):
        month = self.today.strftime("%Y-%m")
        self.authenticate("client_a", "client_a")
        for wrong in ("garbage", "1999-01", "2026-1"):
            response = self.url_open(f"/my/cabinet/mission/report?month={wrong}")
            self.assertEqual(response.status_code, 200)
            self.assertIn(
                f"Unknown month: showing {self.today:%B %Y}", response.text, wrong
            )
            self.assertIn(f'value="{month}"', response.text)
            response = self.url_open(f"/my/cabinet/mission/report/pdf?month={wrong}")
            self.assertIn(
                f"mission-report-atelier-fictif-sarl-{month}.pdf",
                response.headers["Content-Disposition"],
            )

    def test_report_numbers_in_the_user_s_language(self):
        self._set_french(self.user_a)
        self.authenticate("client_a", "client_a")
        page = self.url_open("/my/cabinet/mission/report").text
        dso = self.client_a._cabinet_get_dso(self.today)
        self.assertRegex(page, f'o_cabinet_dso"[^>]*>{dso:.2f}<'.replace(".", ","))
        # 1,000.00 + 20 % VAT issued this month.
        self.assertIn("1\xa0200,00", page)

    # -------------------------------------------------------------------------
    # Query counts
    # -------------------------------------------------------------------------

    def _count_queries(self, url):
        self.url_open(url)  # warm the caches
        before = self.cr.sql_log_count
        self.assertEqual(self.url_open(url).status_code, 200)
        return self.cr.sql_log_count - before

    def test_queries_do_not_grow_with_invoices(self):
        self.authenticate("client_a", "client_a")
        urls = (
            "/my/cabinet/mission/invoices",
            "/my/cabinet/mission/report",
            "/my/cabinet/mission/drafts",
        )
        Move = self.env["account.move"]
        for index in range(3):
            self._post_client_invoice(
                self.client_a, 100.0 + index, self.today, self.today
            )
        Move._cabinet_create_portal_drafts(
            self.client_a, [(f"a{i}.pdf", PDF) for i in range(3)], self.user_a
        )
        counts = [self._count_queries(url) for url in urls]
        for index in range(12):
            self._post_client_invoice(
                self.client_a, 200.0 + index, self.today, self.today
            )
        Move._cabinet_create_portal_drafts(
            self.client_a, [(f"b{i}.pdf", PDF) for i in range(9)], self.user_a
        )
        self.assertIn(
            'o_cabinet_draft_count">12<',
            self.url_open("/my/cabinet/mission/drafts").text,
        )
        self.assertEqual([self._count_queries(url) for url in urls], counts)

    # -------------------------------------------------------------------------
    # Tour
    # -------------------------------------------------------------------------

    def test_tour_client_uploads_a_draft_and_reads_the_report(self):
        self.start_tour(
            "/my/cabinet/mission", "cabinet_client_portal_tour", login="client_a"
        )
        draft = self._drafts(self.client_a)
        self.assertEqual(len(draft), 1)
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", draft.id)]
        )
        self.assertEqual(attachment.name, "tour-draft.pdf")
        self.assertEqual(attachment.raw, b"%PDF-1.4\n%%EOF\n")
        self.assertFalse(self._drafts(self.client_b))
