from . import test_dunning_run
from . import test_dunning_stops
from . import test_dunning_communication
from . import test_dunning_access
from . import test_dunning_performance
from . import test_dunning_letter
