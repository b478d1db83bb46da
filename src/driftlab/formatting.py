"""Number formatting for plain-language messages."""

from __future__ import annotations

import math


def num(x: float) -> str:
    """A number as a person would write it in a sentence.

    >>> num(1499.69), num(0.1234), num(12.5), num(-3000000.0)
    ('1,500', '0.123', '12.5', '-3,000,000')
    >>> num(1e308), num(float("-inf"))
    ('1e+308', '-inf')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    a = abs(x)
    if a >= 1e15 or math.isinf(a):  # no one reads a 300-digit number (an extreme input)
        return f"{x:.3g}"
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:,.1f}".rstrip("0").rstrip(".")
    return f"{x:.3g}"


def pct(x: float) -> str:
    """A relative change as a signed percentage (one decimal below 1%).

    >>> pct(-0.2513), pct(0.05), pct(-0.0046)
    ('-25%', '+5%', '-0.5%')
    """
    return f"{x:+.1%}" if abs(x) < 0.01 else f"{x:+.0%}"


def p_value(p: float) -> str:
    """``p < 0.001`` below a thousandth, else ``p = 0.012``.

    >>> p_value(1e-9), p_value(0.0123)
    ('p < 0.001', 'p = 0.012')
    """
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def percent(x: float) -> str:
    """A share (0–1) as a percentage that never rounds a small value to zero: one decimal
    (dropped when it is 0) from 1%, two significant digits below, and likewise close to 100%.

    "0%" of decisions would read as "never"; 0.23% is a different statement.

    >>> percent(0.23), percent(0.125), percent(0.0523), percent(0.05), percent(0.0023)
    ('23%', '12.5%', '5.2%', '5%', '0.23%')
    >>> percent(0.000041), percent(0.4123)
    ('0.0041%', '41.2%')
    >>> percent(0.0), percent(1.0)
    ('0%', '100%')
    >>> percent(0.9977), percent(0.999)
    ('99.77%', '99.9%')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if x <= 0.0 or x >= 1.0:
        return f"{x:.0%}"
    if x > 0.99:  # say how far from all: 99.77%, not 100%
        rest = (1.0 - x) * 100
        decimals = max(1, 1 - math.floor(math.log10(rest)))
        return f"{100 - rest:.{decimals}f}".rstrip("0").rstrip(".") + "%"
    if x >= 0.00995:
        return f"{x:.1%}".replace(".0%", "%")
    return f"{float(f'{x * 100:.2g}'):g}%"


def points(x: float) -> str:
    """A difference of two shares in signed percentage points, with the digits ``percent`` uses.

    >>> points(0.226), points(-0.012), points(0.0004), points(0.0)
    ('+22.6 points', '-1.2 points', '+0.04 points', '0 points')
    """
    if x == 0:
        return "0 points"
    text = percent(abs(x)).removesuffix("%")
    return f"{'+' if x > 0 else '-'}{text} point{'' if text == '1' else 's'}"
