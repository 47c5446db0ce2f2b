"""French VAT rates as the e-invoicing rules know them."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

# Rates BR-FR-16 accepts on BT-96, BT-119 and BT-152 (BR-FR Flux 2
# schematron): the current metropolitan, Corsican and overseas rates plus
# former rates still met on corrections.
BR_FR_16_RATES = frozenset(
    Decimal(rate)
    for rate in (
        "0", "0.9", "1.05", "1.75", "2.1", "5.5", "7", "8.5", "9.2", "9.6", "10",
        "13", "19.6", "20", "20.6",
    )
)  # fmt: skip

# The rates of metropolitan France today (CGI art. 278 to 281 nonies).
STANDARD_RATES = (Decimal(20), Decimal(10), Decimal("5.5"), Decimal("2.1"))


def is_french_rate(rate):
    """Whether ``rate`` (percent, float or Decimal) passes BR-FR-16."""
    return Decimal(str(rate)).normalize() in BR_FR_16_RATES


def nearest_standard_rate(rate):
    """The metropolitan rate closest to ``rate``; the higher one on a tie.

    Only a proposal: the collaborator confirms the rate the client applies.
    """
    rate = Decimal(str(rate))
    return min(STANDARD_RATES, key=lambda standard: (abs(standard - rate), -standard))


def vat_amount(basis, rate):
    """VAT on ``basis`` at ``rate`` percent, rounded half up to the cent."""
    return (Decimal(str(basis)) * Decimal(str(rate)) / 100).quantize(
        CENT, ROUND_HALF_UP
    )


def format_rate(rate):
    """``rate`` as people write it: 20, 5.5, 2.1 (no exponent, no zeros)."""
    return format(Decimal(str(rate)).normalize(), "f")
