from . import cabinet_dunning_letter
from . import cabinet_debtor_statement
