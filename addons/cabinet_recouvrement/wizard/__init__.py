from . import cabinet_dunning_policy_copy
