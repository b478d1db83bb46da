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
