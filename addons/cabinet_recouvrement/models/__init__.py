from . import cabinet_penalty_rate
from . import cabinet_penalty_claim
from . import account_move
from . import account_move_line
from . import res_company
from . import res_partner
