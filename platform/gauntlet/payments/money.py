"""Money that leaves the building: amounts payable in a currency's minor unit.

The ledger keeps 4 decimal places (a per-task rate of 0.0125 is legitimate); a bank
transfer cannot. A payout row is rounded *down* to the currency's minor unit (ISO 4217
exponent) and what is left over — a fraction of a cent, or a deduction larger than the
period's earnings — is carried into the contractor's next batch, so over time every
ledger cent is paid exactly once and no payout is ever negative.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_FLOOR, Decimal

# ISO 4217 exponents that differ from 2; every other currency has cents.
MINOR_UNIT_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


def minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNIT_EXPONENTS.get(currency.upper(), 2))


def payable_steps(currency: str, period_sums: Iterable[Decimal]) -> list[tuple[Decimal, Decimal]]:
    """For one contractor's per-batch ledger sums, in batch order: (payable, carried) per batch.

    The amount paid through batch k is the running maximum of the cumulative ledger sum
    floored to the minor unit (never less than what was already paid), so each batch pays a
    non-negative whole number of minor units, and ``carried`` = cumulative ledger − paid.
    """
    unit = minor_unit(currency)
    cumulative = paid = Decimal(0)
    steps = []
    for amount in period_sums:
        cumulative += amount
        now_paid = max(paid, (cumulative / unit).to_integral_value(rounding=ROUND_FLOOR) * unit)
        steps.append(((now_paid - paid).quantize(unit), cumulative - now_paid))
        paid = now_paid
    return steps
