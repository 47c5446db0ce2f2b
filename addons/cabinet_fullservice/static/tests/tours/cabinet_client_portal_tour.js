import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("cabinet_client_portal_tour", {
    url: "/my/cabinet/mission",
    steps: () => [
        {
            content: "Open the draft upload form",
            trigger: "a[href='/my/cabinet/mission/drafts']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Choose a PDF draft",
            trigger: "input[name='files']",
            run: () => {
                const input = document.querySelector("input[name='files']");
                const transfer = new DataTransfer();
                transfer.items.add(
                    new File(["%PDF-1.4\n%%EOF\n"], "tour-draft.pdf", {
                        type: "application/pdf",
                    })
                );
                input.files = transfer.files;
            },
        },
        {
            content: "Send it to the cabinet",
            trigger: ".o_cabinet_upload_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The draft is sent",
            trigger: ".o_cabinet_upload_done",
        },
        {
            content: "Back to my mission",
            trigger: ".o_portal_submenu a[href='/my/cabinet/mission']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open the mission report",
            trigger: ".o_cabinet_mission_report_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The report shows the DSO and the amounts due by age",
            trigger: ".o_cabinet_mission_report .o_cabinet_dso",
        },
        {
            content: "The PDF can be downloaded",
            trigger: "a.o_cabinet_report_pdf",
        },
    ],
});
