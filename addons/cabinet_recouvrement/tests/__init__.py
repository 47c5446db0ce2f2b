from . import test_penalties_tools
