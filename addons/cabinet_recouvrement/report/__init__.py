from . import cabinet_dunning_letter
from . import cabinet_debtor_statement
from . import cabinet_aging_report
from . import cabinet_portfolio_report
