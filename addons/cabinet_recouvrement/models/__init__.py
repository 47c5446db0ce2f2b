from . import res_company
from . import cabinet_collection_file
from . import cabinet_collection_file_line
from . import cabinet_collection_fee
from . import cabinet_collection_fee_line
from . import cabinet_collection_fee_tier
