from . import cabinet_contest_wizard
from . import cabinet_facturx_export
from . import cabinet_import_mixin
from . import cabinet_draft_import
from . import cabinet_einvoice_import
from . import cabinet_french_vat
