from . import test_collection_offer
from . import test_collection_file
from . import test_collection_fee
from . import test_collection_access
