from . import cabinet_mission_report_pdf
