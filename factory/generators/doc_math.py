"""Equations for paper pages: one small expression tree, written both as MathML Core and LaTeX.

Chromium draws MathML Core natively (no script, no network), so the page shows the MathML and the
targets carry the LaTeX of the same tree. LaTeX is written in one canonical spacing (tokens
separated by single spaces, every sub/superscript and fraction part braced), so equal formulas
always give equal targets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from html import escape

GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "lambda": "λ", "mu": "μ", "sigma": "σ", "theta": "θ", "phi": "φ",
         "omega": "ω", "tau": "τ"}
LATIN = "abcfgprstuvwxyz"  # not i, j, k, m, n: those index sums


class Node:
    def mathml(self) -> str:
        raise NotImplementedError

    def latex(self) -> str:
        raise NotImplementedError


@dataclass
class Sym(Node):
    name: str  # a Latin letter or a key of GREEK

    def mathml(self) -> str:
        return f"<mi>{GREEK.get(self.name, self.name)}</mi>"

    def latex(self) -> str:
        return f"\\{self.name}" if self.name in GREEK else self.name


@dataclass
class Num(Node):
    value: int

    def mathml(self) -> str:
        return f"<mn>{self.value}</mn>"

    def latex(self) -> str:
        return str(self.value)


@dataclass
class Op(Node):
    latex_text: str
    char: str

    def mathml(self) -> str:
        return f"<mo>{escape(self.char)}</mo>"

    def latex(self) -> str:
        return self.latex_text


@dataclass
class Row(Node):
    items: list[Node]

    def mathml(self) -> str:
        return "<mrow>" + "".join(i.mathml() for i in self.items) + "</mrow>"

    def latex(self) -> str:
        return " ".join(i.latex() for i in self.items)


@dataclass
class Frac(Node):
    num: Node
    den: Node

    def mathml(self) -> str:
        return f"<mfrac>{self.num.mathml()}{self.den.mathml()}</mfrac>"

    def latex(self) -> str:
        return f"\\frac{{{self.num.latex()}}}{{{self.den.latex()}}}"


@dataclass
class Script(Node):
    base: Node
    sub: Node | None = None
    sup: Node | None = None

    def mathml(self) -> str:
        if self.sub and self.sup:
            return f"<msubsup>{self.base.mathml()}{self.sub.mathml()}{self.sup.mathml()}</msubsup>"
        if self.sub:
            return f"<msub>{self.base.mathml()}{self.sub.mathml()}</msub>"
        return f"<msup>{self.base.mathml()}{self.sup.mathml()}</msup>"

    def latex(self) -> str:
        out = self.base.latex()
        if self.sub:
            out += f"_{{{self.sub.latex()}}}"
        if self.sup:
            out += f"^{{{self.sup.latex()}}}"
        return out


@dataclass
class BigOp(Node):
    """A sum or integral with limits."""

    latex_text: str
    char: str
    lower: Node
    upper: Node
    body: Node

    def mathml(self) -> str:
        tag = "munderover" if self.char == "∑" else "msubsup"
        return f"<mrow><{tag}><mo>{self.char}</mo>{self.lower.mathml()}{self.upper.mathml()}</{tag}>{self.body.mathml()}</mrow>"

    def latex(self) -> str:
        return f"{self.latex_text}_{{{self.lower.latex()}}}^{{{self.upper.latex()}}} {self.body.latex()}"


@dataclass
class Sqrt(Node):
    body: Node

    def mathml(self) -> str:
        return f"<msqrt>{self.body.mathml()}</msqrt>"

    def latex(self) -> str:
        return f"\\sqrt{{{self.body.latex()}}}"


@dataclass
class Paren(Node):
    body: Node

    def mathml(self) -> str:
        return f"<mrow><mo>(</mo>{self.body.mathml()}<mo>)</mo></mrow>"

    def latex(self) -> str:
        return f"\\left( {self.body.latex()} \\right)"


# The dot operator U+22C5, not the middle dot U+00B7, which Noto Sans Math does not draw.
EQ, PLUS, MINUS, TIMES = Op("=", "="), Op("+", "+"), Op("-", "\u2212"), Op("\\cdot", "\u22c5")


def _letters(r: random.Random, n: int) -> list[str]:
    pool = list(LATIN) + list(GREEK)
    return r.sample(pool, n)


def equation(r: random.Random) -> tuple[str, str]:
    """(LaTeX, MathML) of one displayed equation drawn from a few common shapes."""
    y, x, a, b = _letters(r, 4)
    i, n = r.choice((("i", "n"), ("k", "N"), ("j", "m")))
    kind = r.randrange(6)
    if kind == 0:  # linear model
        rhs = Row([Num(r.randint(2, 9)), Sym(x), PLUS if r.random() < 0.5 else MINUS, Num(r.randint(1, 20))])
        tree = Row([Sym(y), EQ, rhs])
    elif kind == 1:  # a sum of squares
        tree = Row([Sym(y.upper() if y in LATIN else y), EQ,
                    BigOp("\\sum", "∑", Row([Sym(i), EQ, Num(1)]), Sym(n), Script(Sym(x), Sym(i), Num(2)))])
    elif kind == 2:  # a mean
        tree = Row([Sym(a), EQ, Frac(Num(1), Sym(n)), BigOp("\\sum", "∑", Row([Sym(i), EQ, Num(1)]), Sym(n), Script(Sym(x), Sym(i)))])
    elif kind == 3:  # a standard deviation
        inner = Frac(Num(1), Sym(n)), BigOp("\\sum", "∑", Row([Sym(i), EQ, Num(1)]), Sym(n),
                                            Script(Paren(Row([Script(Sym(x), Sym(i)), MINUS, Sym(a)])), None, Num(2)))
        tree = Row([Sym(b), EQ, Sqrt(Row(list(inner)))])
    elif kind == 4:  # an integral
        tree = Row([Sym(y.upper() if y in LATIN else y), EQ,
                    BigOp("\\int", "∫", Num(0), Sym(b), Row([Sym(x), TIMES, Script(Sym(a), None, Num(r.randint(2, 3)))]))])
    else:  # a ratio
        tree = Row([Sym(y), EQ, Frac(Row([Sym(a), PLUS, Sym(b)]), Row([Num(r.randint(2, 9)), TIMES, Sym(x)]))])
    latex = tree.latex()
    mathml = f'<math display="block" alttext="{escape(latex)}">{tree.mathml()}</math>'
    return latex, mathml
