from . import test_penalties_tools
from . import test_late_penalties
