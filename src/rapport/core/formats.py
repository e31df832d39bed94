"""How figures read, the same on every page, API text and chart label.

An interval is "low to high" (never brackets, dashes or commas between its ends), a negative
number has a true minus sign, and a difference carries its sign. Money is the amount with its
currency code. Plain functions, so templates (core's template tags), Python-built HTML and
chart descriptions share them.
"""

from __future__ import annotations

from decimal import Decimal

MINUS = "−"  # U+2212: a hyphen reads as a dash and wraps at line ends


def number(value: float, decimals: int = 0, *, signed: bool = False) -> str:
    """`value` to `decimals` places with a true minus; a zero is never "−0" or "+0"."""
    text = f"{value:.{decimals}f}"
    if float(text) == 0:
        return text.lstrip("-")
    if signed and value > 0:
        text = f"+{text}"
    return text.replace("-", MINUS)


def interval(low: float, high: float, decimals: int = 0, *, signed: bool = False) -> str:
    """A 95 % interval's ends: "62.4 to 85.1", or "−16.6 to +14.5" for a difference."""
    return f"{number(low, decimals, signed=signed)} to {number(high, decimals, signed=signed)}"


def money(amount: Decimal | float | int, currency: str, decimals: int = 0) -> str:
    """An amount with its currency code and thousands separators: "GBP 1,250,000"."""
    text = f"{amount:,.{decimals}f}".replace("-", MINUS)
    return f"{currency} {text}"
