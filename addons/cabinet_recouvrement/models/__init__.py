from . import res_company
from . import cabinet_collection_file
from . import cabinet_collection_file_line
