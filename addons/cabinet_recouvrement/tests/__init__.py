from . import test_collection_offer
