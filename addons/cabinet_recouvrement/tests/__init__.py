from . import test_penalties_tools
from . import test_late_penalties
from . import test_penalty_claim
