import {registry} from "@web/core/registry";

// Started by the Python test on the reminder's token link, as a visitor
// without an account: promise to pay the reminded invoices by the latest date
// allowed, then pay the first one with the demo provider.
registry.category("web_tour.tours").add("cabinet_debtor_reminder_tour", {
    steps: () => [
        {
            content: "The reminder lists the invoices",
            trigger: ".o_cabinet_reminder_invoices tbody tr",
        },
        {
            content: "Open the promise form",
            trigger: "button[name='cabinet_open_promise']",
            run: "click",
        },
        {
            content: "Promise by the latest date allowed",
            trigger: "#cabinet_promise_form.show input[name='date']",
            run() {
                this.anchor.value = this.anchor.getAttribute("max");
            },
        },
        {
            content: "Send the promise",
            trigger: "button[name='cabinet_submit_promise']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The promise is recorded",
            trigger: ".o_cabinet_success",
        },
        {
            content: "Pay the first invoice",
            trigger: ".o_cabinet_reminder_invoices tbody tr:first a.o_cabinet_pay",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open the payment dialog",
            trigger: "a[data-bs-target='#pay_with']",
            run: "click",
        },
        {
            content: "Choose the demo provider",
            trigger: "#pay_with input[name='o_payment_radio'][data-provider-code='demo']",
            run: "click",
        },
        {
            content: "Enter test card details",
            trigger: "#pay_with input[name='customer_input']",
            run: "edit 4242 4242 4242 4242",
        },
        {
            content: "Pay",
            trigger: "#pay_with button[name='o_payment_submit_button']:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back on the invoice, the payment is processed",
            trigger: ".o_account_payment_tx_status, div[name='invoice_paid_badge']",
        },
    ],
});
