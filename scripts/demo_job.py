# The main job of the demo, run inside `odoo-bin shell` (``env`` is given).
# It builds the cabinet and three client companies, issues their invoices
# under mandate as Factur-X, checks them with the validation gate, sends them
# to the built-in demo platform and prints the lifecycle statuses they reach.
# Then collection: each client's offer comes from a signed mission letter,
# the default policy "Relances courtes" runs day after day over the last four
# weeks on older unpaid invoices, and the cabinet bills its collection fee.
# ruff: noqa: F821 (env comes from the Odoo shell)
import base64
import time
from datetime import date, timedelta

from odoo import Command

TODAY = date.today()
DEMO_STEP_SECONDS = 3
MANDATE_START = TODAY.replace(day=1) - timedelta(days=62)
FR = env.ref("base.fr")

FIRM = {
    "name": "Cabinet Exemple Conseil",
    "company_registry": "90000000100017",
    "vat": "FR68900000001",
    "street": "1 rue du Cabinet",
    "zip": "75008",
    "city": "Paris",
    "email": "contact@cabinet-exemple.example",
}
CLIENTS = [
    {
        "name": "Atelier Fictif SARL",
        "company_registry": "12345678200010",
        "vat": "FR11123456782",
        "street": "12 rue de l'Exemple",
        "zip": "69001",
        "city": "Lyon",
        "email": "facturation@atelier-fictif.example",
        "category": "services",
        "firm_as_invoicer": False,
    },
    {
        "name": "Boulangerie Imaginaire SAS",
        "company_registry": "11122233700011",
        "vat": "FR21111222337",
        "street": "3 place Imaginaire",
        "zip": "33000",
        "city": "Bordeaux",
        "email": "contact@boulangerie-imaginaire.example",
        "category": "goods",
        "firm_as_invoicer": False,
    },
    {
        "name": "Menuiserie Démo SAS",
        "company_registry": "73282932000074",
        "vat": "FR44732829320",
        "street": "8 chemin des Copeaux",
        "zip": "44000",
        "city": "Nantes",
        "email": "compta@menuiserie-demo.example",
        "category": "mixed",
        "firm_as_invoicer": True,
    },
]
CUSTOMERS = [
    {
        "name": "Client Modèle SA",
        "company_registry": "98765432400019",
        "vat": "FR14987654324",
        "street": "5 avenue du Test",
        "zip": "75011",
        "city": "Paris",
        "email": "compta@client-modele.example",
    },
    {
        "name": "Dupont & Fils Négoce SARL",
        "company_registry": "77777777200016",
        "vat": "FR74777777772",
        "street": "Zone d'activité Les Éoliennes",
        "zip": "59000",
        "city": "Lille",
        "email": "achats@dupont-fils.example",
    },
]
LINES = {
    "services": [("Mission de conseil - septembre", 1, 1250.0, 20.0)],
    "goods": [
        ("Pain de campagne (lot)", 40, 3.35, 5.5),
        ("Viennoiseries", 25, 1.2, 5.5),
    ],
    "mixed": [("Fourniture chêne massif", 3, 410.0, 20.0), ("Pose", 6, 55.0, 20.0)],
}
# Collection offer of each client (mission letter), with the mandate's fees.
OFFERS = {
    "Atelier Fictif SARL": ("dunning", 0.0, 0.0),
    "Boulangerie Imaginaire SAS": ("monitoring", 0.0, 0.0),
    "Menuiserie Démo SAS": ("collection", 50.0, 10.0),
}
# Portal accounts of the demo: a debtor of Atelier Fictif SARL and a
# collaborator of Menuiserie Démo SAS, the client under collection mandate.
PORTAL_USERS = {
    "debtor": {
        "company": "Atelier Fictif SARL",
        "parent": "Client Modèle SA",
        "name": "Claire Martin",
        "login": "debiteur@client-modele.example",
        "password": "demo-debiteur",
    },
    "client": {
        "company": "Menuiserie Démo SAS",
        "parent": None,
        "name": "Jeanne Copeau",
        "login": "client@menuiserie-demo.example",
        "password": "demo-client",
    },
}
# Older unpaid invoices: days past their due date today (30 days terms).
OVERDUE_DAYS = (34, 12)
# The scheduled run of the last four weeks, day after day.
RUN_DAYS = 28


def say(text):
    print(text, flush=True)


def setup_company(company, vals):
    company.write({k: v for k, v in vals.items() if k in FIRM} | {"country_id": FR.id})
    # The database starts with a generic chart: the cabinet and its clients
    # keep French books (French taxes on the cabinet's fee invoices).
    if company.chart_template != "fr":
        env["account.chart.template"].try_loading("fr", company, install_demo=False)


def create_client(vals, firm):
    company = env["res.company"].create(
        {"name": vals["name"], "currency_id": FR.currency_id.id}
    )
    setup_company(company, vals)
    company.write(
        {
            "cabinet_is_client": True,
            "cabinet_firm_id": firm.id,
            "cabinet_operation_category": vals["category"],
        }
    )
    return company


def signed_document():
    return base64.b64encode(b"%PDF-1.4\n% mandat de facturation signe (demo)\n%%EOF\n")


def create_mandate(company, firm, as_invoicer):
    mandate = env["cabinet.billing.mandate"].create(
        {
            "company_id": company.id,
            "firm_id": firm.id,
            "signature_date": MANDATE_START - timedelta(days=5),
            "date_start": MANDATE_START,
            "scope_invoice": True,
            "scope_refund": True,
            "contest_days": 15,
            "firm_as_invoicer": as_invoicer,
            "platform_consent": True,
            "signed_document": signed_document(),
            "signed_filename": "mandat-signe.pdf",
        }
    )
    mandate.action_activate()
    return mandate


def create_customers(company):
    return env["res.partner"].create(
        [
            {
                **vals,
                "is_company": True,
                "country_id": FR.id,
                "company_id": company.id,
                "lang": "fr_FR",
            }
            for vals in CUSTOMERS
        ]
    )


def sale_tax(company, rate):
    # The French chart ships the reduced rates archived: switch them on.
    tax = env["account.tax"]._cabinet_get_sale_tax(company, rate)
    tax.active = True
    return tax


def create_draft(company, customer, lines, days_ago):
    return (
        env["account.move"]
        .with_company(company)
        .create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": TODAY - timedelta(days=days_ago),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": name,
                            "quantity": qty,
                            "price_unit": price,
                            "tax_ids": [Command.set(sale_tax(company, rate).ids)],
                        }
                    )
                    for name, qty, price, rate in lines
                ],
            }
        )
    )


def build():
    firm = env.ref("base.main_company")
    setup_company(firm, FIRM)
    env.ref("base.user_admin").write({"lang": "fr_FR", "tz": "Europe/Paris"})
    drafts = env["account.move"]
    for vals in CLIENTS:
        company = create_client(vals, firm)
        env.ref("base.user_admin").company_ids |= company
        create_mandate(company, firm, vals["firm_as_invoicer"])
        customers = create_customers(company)
        for index, customer in enumerate(customers):
            drafts |= create_draft(
                company, customer, LINES[vals["category"]], 10 - index
            )
    env.cr.commit()
    say(f"Built the cabinet and {len(CLIENTS)} client companies, {len(drafts)} drafts.")
    return drafts


def issue(drafts):
    for move in drafts:
        move.with_company(move.company_id).action_post()
        move.with_company(move.company_id).action_cabinet_validate()
    env.cr.commit()
    for move in drafts:
        say(
            f"  {move.company_id.name:<27} {move.name:<15} "
            f"{move.amount_total:>9.2f} EUR  Factur-X {move.cabinet_facturx_profile}: "
            f"{move.cabinet_validation_state}"
        )
        for finding in (move.cabinet_validation_report or {}).get("fatal", [])[:3]:
            say(f"      {finding['rule']}: {finding['message'][:90]}")
    valid = drafts.filtered(lambda m: m.cabinet_validation_state == "valid")
    for move in valid:
        move.with_company(move.company_id).action_cabinet_send()
    env.cr.commit()
    return valid


def run_platform_crons():
    env["cabinet.platform.flow"]._cron_send_flows()
    env["cabinet.invoice.status"]._cron_fetch_statuses()
    env.cr.commit()


def follow(moves, rounds=8):
    for _round in range(rounds):
        run_platform_crons()
        time.sleep(DEMO_STEP_SECONDS + 1)
    print_statuses(moves)


def register_payment(move):
    wizard = (
        env["account.payment.register"]
        .with_company(move.company_id)
        .with_context(active_model="account.move", active_ids=move.ids)
        .create({"payment_date": TODAY})
    )
    wizard._create_payments()
    env.cr.commit()


def print_statuses(moves):
    # Labels as the cabinet's French-speaking users see them.
    french = env(context=dict(env.context, lang="fr_FR"))
    status_model = french["cabinet.invoice.status"]
    labels = dict(status_model._fields["code"]._description_selection(french))
    for move in moves:
        statuses = move.cabinet_status_ids.sorted(lambda s: (s.status_date, s.sequence))
        history = ", ".join(statuses.mapped("code")) or "-"
        code = move.cabinet_status_code or "-"
        say(
            f"  {move.company_id.name:<27} {move.name:<15} {code:>4} "
            f"{labels.get(move.cabinet_status_code, ''):<24} history: {history}"
        )


def sign_mission_letter(company, mission_type, fixed_fee, rate):
    letter = env["cabinet.mission.letter"].create(
        {
            "company_id": company.id,
            "mission_type": mission_type,
            "date_start": MANDATE_START,
            "fixed_fee": fixed_fee,
            "success_fee_rate": rate,
        }
    )
    letter.action_sign()
    return letter


def create_overdue_invoices(company):
    customers = env["res.partner"].search(
        [("company_id", "=", company.id), ("is_company", "=", True)], order="id"
    )
    category = next(c["category"] for c in CLIENTS if c["name"] == company.name)
    moves = env["account.move"]
    for customer, days_late in zip(customers, OVERDUE_DAYS, strict=False):
        move = create_draft(company, customer, LINES[category], days_late + 30)
        move.invoice_date_due = TODAY - timedelta(days=days_late)
        move.with_company(company).action_post()
        moves |= move
    return moves


def setup_collection(companies):
    template = env.ref("cabinet_recouvrement.cabinet_dunning_policy_short")
    overdue = env["account.move"]
    for company in companies:
        offer, fixed_fee, rate = OFFERS[company.name]
        sign_mission_letter(company, offer, fixed_fee, rate)
        template._cabinet_copy_to_company(company)
        overdue |= create_overdue_invoices(company)
    env.cr.commit()
    return overdue


def run_dunning(companies):
    """The daily run over the last weeks; the collaborator validates the
    formal notices and hand-overs the policy holds for validation."""
    Run = env["cabinet.dunning.run"]
    Communication = env["cabinet.dunning.communication"]
    for days_ago in range(RUN_DAYS, -1, -1):
        day = TODAY - timedelta(days=days_ago)
        for company in companies:
            Run.with_company(company)._cabinet_run_company(company, day)
        Communication.search([("state", "=", "to_validate")]).action_validate()
        env.cr.commit()
    return Communication.search(
        [("company_id", "in", companies.ids)], order="date, company_id, id"
    )


def print_reminders(communications):
    french = env(context=dict(env.context, lang="fr_FR"))
    states = dict(
        french["cabinet.dunning.communication"]
        ._fields["state"]
        ._description_selection(french)
    )
    for com in communications.with_env(french):
        lines = com.line_ids
        say(
            f"  {com.date} {com.company_id.name:<27} {com.partner_id.name:<26} "
            f"{com.level_id.name:<22} {len(lines)} fact. "
            f"dû {sum(lines.mapped('amount_residual')):>8.2f}  "
            f"intérêts {sum(lines.mapped('amount_interest')):>6.2f}  "
            f"indemnité {sum(lines.mapped('amount_indemnity')):>5.2f}  "
            f"{states.get(com.state, com.state)}"
        )


def bill_collection_fees(companies):
    """A debtor of the client under mandate pays a handed-over invoice; the
    cabinet bills the month's fee to its client (never to the debtor)."""
    files = env["cabinet.collection.file"].search([("company_id", "in", companies.ids)])
    handed_over = files.line_ids.move_id.filtered(
        lambda move: move.payment_state != "paid"
    )[:1]
    if handed_over:
        register_payment(handed_over)
        say(f"  {handed_over.partner_id.name} pays {handed_over.name} to its creditor.")
    statements = env["cabinet.collection.fee"]._cabinet_bill_month(
        TODAY, files.company_id
    )
    env.cr.commit()
    for statement in statements:
        invoice = statement.invoice_id
        say(
            f"  {statement.company_id.name}: {len(files)} dossier(s) de recouvrement, "
            f"honoraires {invoice.name} {invoice.amount_total:.2f} EUR TTC, "
            f"émis par {invoice.company_id.name} pour {invoice.partner_id.name}"
        )


def enable_demo_payment(companies):
    """Each client company gets the demo payment provider in test mode, so
    that its debtors can pay online in the demo without any real bank."""
    demo = env.ref("payment.payment_provider_demo")
    for company in companies:
        provider = demo.copy({"company_id": company.id, "name": demo.name})
        provider.write(
            {
                "state": "test",
                "is_published": True,
                "payment_method_ids": [Command.set(demo.payment_method_ids.ids)],
            }
        )
    env.cr.commit()


def create_portal_users(companies):
    portal = env.ref("base.group_portal")
    users = {}
    for role, vals in PORTAL_USERS.items():
        company = companies.filtered(lambda c, name=vals["company"]: c.name == name)
        if vals["parent"]:
            parent = env["res.partner"].search(
                [("company_id", "=", company.id), ("name", "=", vals["parent"])],
                limit=1,
            )
        else:
            parent = company.partner_id
        contact = env["res.partner"].create(
            {
                "name": vals["name"],
                "parent_id": parent.id,
                "type": "contact",
                "email": vals["login"],
                "lang": "fr_FR",
            }
        )
        # The client's collaborator also reads the cabinet's fee invoices,
        # issued by the cabinet company.
        allowed = company
        if role == "client":
            allowed |= env.ref("base.main_company")
        users[role] = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "login": vals["login"],
                    "password": vals["password"],
                    "partner_id": contact.id,
                    "company_id": company.id,
                    "company_ids": [Command.set(allowed.ids)],
                    "group_ids": [Command.set(portal.ids)],
                    "lang": "fr_FR",
                    "tz": "Europe/Paris",
                }
            )
        )
    env.cr.commit()
    return users


def print_portals(users):
    base_url = env["ir.config_parameter"].get_param("web.base.url")
    for role, label, path in (
        ("debtor", "Portail débiteur", "/my/invoices"),
        ("client", "Portail client (restitution de la mission)", "/my/cabinet/mission"),
    ):
        vals = PORTAL_USERS[role]
        say(
            f"  {label}: {base_url}{path} "
            f"(identifiant {vals['login']}, mot de passe {vals['password']})"
        )
    # The link of the debtor's last reminder e-mail opens without an account.
    reminder = env["cabinet.dunning.communication"].search(
        [
            ("partner_id", "=", users["debtor"].partner_id.commercial_partner_id.id),
            ("state", "=", "sent"),
        ],
        order="date desc, id desc",
        limit=1,
    )
    if reminder:
        say(
            f"  Lien de la relance du {reminder.date} (sans compte): "
            f"{base_url}{reminder.get_portal_url()}"
        )


def main():
    # The demo runs offline: no VAT check against the European VIES service.
    # Nor SMS through Odoo's SMS service, nor e-mail: the reminders stay in
    # the outgoing queues, to be read in Odoo.
    # Nor the company enrichment that Odoo's partner_autocomplete asks an
    # outside service for at the administrator's first login.
    if "iap_enrich_auto_done" in env["res.company"]._fields:
        env["res.company"].search([]).iap_enrich_auto_done = True
    for xmlid in (
        "base_vat.vies_iap_check_update",
        "sms.ir_cron_sms_scheduler_action",
        "mail.ir_cron_mail_scheduler_action",
    ):
        cron = env.ref(xmlid, raise_if_not_found=False)
        if cron:
            cron.active = False
    env["ir.config_parameter"].set_param(
        "cabinet_fullservice.demo_platform_step_seconds", DEMO_STEP_SECONDS
    )
    drafts = build()
    say("Issuing the invoices under mandate (Factur-X, validation gate):")
    sent = issue(drafts)
    say(f"Sent {len(sent)} invoices to the built-in demo platform; following them...")
    follow(sent)
    paid = sent[:1]
    say(f"Payment received for {paid.name}: status 212 is emitted.")
    register_payment(paid)
    run_platform_crons()
    say("Lifecycle statuses:")
    print_statuses(sent)
    companies = drafts.company_id
    setup_collection(companies)
    say(
        "Collection: policy 'Relances courtes', run every day for the last "
        f"{RUN_DAYS} days (monitoring sends nothing):"
    )
    print_reminders(run_dunning(companies))
    claims = env["cabinet.penalty.claim"].search([("state", "=", "open")])
    say(
        f"Penalty claims open: {len(claims)} "
        f"(intérêts {sum(claims.mapped('interest_amount')):.2f} EUR, "
        f"indemnités {sum(claims.mapped('indemnity_amount')):.2f} EUR)."
    )
    say("Collection fees of the month:")
    bill_collection_fees(companies)
    enable_demo_payment(companies)
    say("Portals (online payment through the demo provider, no real bank):")
    print_portals(create_portal_users(companies))


main()
