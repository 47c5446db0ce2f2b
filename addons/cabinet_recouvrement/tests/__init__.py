from . import test_collection_offer
from . import test_collection_file
