"""Money is Decimal, rounded by the currency's ISO 4217 exponent in one place."""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor-unit exponents of the currencies the movement uses (and a few neighbours).
CURRENCY_EXPONENTS: dict[str, int] = {
    "XOF": 0,  # CFA franc BCEAO (Senegal, Mali, Burkina Faso, Côte d'Ivoire, Niger, Togo, Benin...)
    "XAF": 0,  # CFA franc BEAC (Cameroon, Chad, Gabon, Congo, CAR, Equatorial Guinea)
    "GNF": 0,  # Guinean franc
    "RWF": 0,
    "BIF": 0,
    "KMF": 0,
    "CDF": 2,
    "MRU": 2,  # Mauritanian ouguiya (ISO exponent 2)
    "MGA": 2,
    "GHS": 2,
    "NGN": 2,
    "CVE": 2,
    "AOA": 2,
    "MZN": 2,
    "EUR": 2,
    "USD": 2,
    "BRL": 2,
    "GBP": 2,
    "CHF": 2,
    "CAD": 2,
    "MAD": 2,
    "TND": 3,
    "HTG": 2,
    "INR": 2,
    "PHP": 2,
}


def exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError as exc:
        raise ValueError(f"unknown currency {currency!r}") from exc


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    """Round an amount to the currency's minor unit, half up (as cashiers do)."""
    if isinstance(amount, float):
        raise TypeError("money is never a float")
    quantum = Decimal(1).scaleb(-exponent(currency))
    return Decimal(amount).quantize(quantum, rounding=ROUND_HALF_UP)
