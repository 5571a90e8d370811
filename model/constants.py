"""Calendar and numerical constants: the only numbers allowed in the mechanism code.

Everything behavioural is a parameter in parameters.toml; what stays here is how the
calendar is counted, how arrays are laid out, and guards against division by zero.
"""

MONTHS_PER_YEAR = 12
MONTHS_PER_QUARTER = 3
DAYS_PER_MONTH = 30
PER_THOUSAND = 1000          # capacities are given per 1,000 residents
EPSILON = 1e-9               # guards a division by a quantity that may be zero
TIE_BREAK = 1e-6             # random jitter that breaks ties in a ranking, far below any score gap
NEVER = -100_000             # month stamp for "never happened"
MAX_TIES = 6                 # neighbour slots per resident (mean_ties <= MAX_TIES)
MIN_SIMULATED_PER_COMMUNITY = 20   # fewer simulated residents make community shares meaningless
MIDPOINT = 0.5               # centre of a 0-1 index, where a centred effect is zero
