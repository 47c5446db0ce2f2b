import logging

from odoo import http
from odoo.http import request

from ..tools.afnor_client import verify_webhook_signature

_logger = logging.getLogger(__name__)


class CabinetPlatformWebhook(http.Controller):
    @http.route(
        "/cabinet_fullservice/webhook/<int:account_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def platform_webhook(self, account_id, **kwargs):
        """Callback of the approved platform when one of our flows changed.

        Thin on purpose: check the ``Afnor-Signature`` with the account's
        signing key (constant time, stale stamps refused), then trigger the
        status fetch, which reads the flows back through the API. The body is
        never trusted nor stored.

        :return: 200 when accepted, 401 on a missing, wrong or stale signature
        """
        account_sudo = (
            request.env["cabinet.platform.account"].sudo().browse(account_id).exists()
        )
        headers = request.httprequest.headers
        body = request.httprequest.get_data()
        if not (
            account_sudo.signing_key
            and verify_webhook_signature(
                body,
                headers.get("Afnor-Signature"),
                headers.get("Afnor-Signature-Timestamp"),
                account_sudo.signing_key,
            )
        ):
            _logger.warning("Platform webhook %s: signature refused", account_id)
            return request.make_response("", status=401)
        request.env.ref(
            "cabinet_fullservice.cabinet_invoice_status_cron_fetch"
        ).sudo()._trigger()
        return request.make_response("", status=200)
