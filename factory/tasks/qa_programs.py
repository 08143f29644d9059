"""Chart questions as programs: a small grammar over the chart's table, one executor for the answer
and for whether the image lets a reader find it.

A program is a JSON expression `[op, arg, ...]` (stored in the sample's json, so anyone can re-run
it on the json table with `execute`). Leaves: `["col", s]` (every present cell of series s, in row
order), `["cell", s, r]`, `["num", "12.5"]`, `["nrows"]`, `["nseries"]`, `["axis_title", "y"]`,
`["colour", s]` / `["series", s]` (a series' drawn colour name / its name), and for tables
`["text", c, r]` (the text of category column c in row r; r may be a row program such as
`["argmax", ...]`, as may cell's), `["match", c, "Open"]` (the rows whose column c reads "Open"), `["field", "total"]` (a document's
printed amount outside its table).
Steps:
max, min, sum, mean, count (of a list); argmax, argmin (a row); above, below (filter a list by a
number); top, bottom (the k largest / smallest); rank (1 = largest); sub, add, absdiff, div, share
(100·a/b); gt, lt (yes/no); gap (row-wise |a−b| of two series); where (a list's rows whose
category column reads a value); has (yes/no: does a row's category column read a value). Two- and three-step programs are
these nested: `["sub", ["max", ["col", 0]], ["min", ["col", 0]]]`, `["count", ["above", ["col", 0],
["mean", ["col", 0]]]]`, `["sum", ["top", ["col", 1], 3]]`, `["argmax", ["gap", ["col", 0], ["col", 1]]]`.

Every cell is an interval: exact on the table, or widened by how far a value read off the image may
be off (`Errors`: 0 for a printed value label, the axis reading error otherwise; see
`factory.tasks.answerability`). The same evaluation then decides answerability the way the fidelity
rules ask: a choice (which is larger, which rows pass a threshold, which k are on top, a rank) must
hold for every value inside the intervals, else the program is `Unreadable`; a number's interval
must lie within ChartQA's relaxed 5% of the answer. A program with no single answer on the exact
table (a tie, an empty set, a zero divisor) is `Invalid`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from factory.tabular import Column, Table, format_value
from factory.tasks.answerability import RELAXED, ChartView

Cell = tuple[int, int]
RATIO_DECIMALS = 2
SHARE_DECIMALS = 1


LEAVES = ("col", "cell", "num", "pick", "label", "nrows", "nseries", "axis_title", "colour", "series", "text", "match", "field")


def steps(expr: Any) -> int:
    """How many operations a program chains (leaves do not count)."""
    if not isinstance(expr, list):
        return 0
    own = 0 if expr[0] in LEAVES else 1
    return own + sum(steps(a) for a in expr[1:])


class Invalid(Exception):
    """The program has no single answer on the table."""


class Unreadable(Exception):
    """The answer depends on a difference the image does not resolve."""


@dataclass(frozen=True)
class Num:
    v: Decimal
    lo: Decimal
    hi: Decimal

    @classmethod
    def exact(cls, v: Decimal) -> "Num":
        return cls(v, v, v)

    def __add__(self, o: "Num") -> "Num":
        return Num(self.v + o.v, self.lo + o.lo, self.hi + o.hi)

    def __sub__(self, o: "Num") -> "Num":
        return Num(self.v - o.v, self.lo - o.hi, self.hi - o.lo)


@dataclass
class Env:
    """What a program runs on: the table's shown values, names, drawn colours and axis titles."""

    labels: list[str]
    series: list[str]
    columns: list[Column]
    values: dict[Cell, Decimal]
    colours: dict[int, str] = field(default_factory=dict)  # series (or row, for one-series pies) -> colour name
    axis_titles: dict[str, str] = field(default_factory=dict)
    legend_names: dict[int, str] = field(default_factory=dict)  # series -> its name as the legend prints it
    errors: dict[Cell, Decimal] | None = None  # None: exact (the table); else per-cell reading error
    texts: dict[Cell, str] = field(default_factory=dict)  # (category column, row) -> its text (tables)
    categories: list[str] = field(default_factory=list)  # category column names (tables)
    fields: dict[str, Decimal] = field(default_factory=dict)  # a document's amounts outside its table
    writer: Any = None  # writes numbers as the image does (`number(value, series, places)`, `count(n)`); None: as charts
    digits: str = "latn"  # the chart's numbering system (its value labels and ticks); answers are written in it

    def num(self, cell: Cell) -> Num:
        if cell not in self.values:
            raise Invalid(f"no value at {cell}")
        v = self.values[cell]
        e = Decimal(0) if self.errors is None else self.errors[cell]
        return Num(v, v - e, v + e)


def shown(value: object, column: Column) -> Decimal | None:
    """A cell as the exact decimal the chart shows ("12.5%" -> 12.5)."""
    if value is None or isinstance(value, str):
        return None
    return Decimal(format_value(value, column).rstrip("%"))  # type: ignore[arg-type]


def strip_unit(name: str) -> str:
    head = name.strip()
    if head.endswith(")") and "(" in head:
        head = head[: head.rfind("(")].strip()
    return head


def table_env(table: Table, colours: dict[int, str] | None = None, axis_titles: dict[str, str] | None = None,
              legend_names: dict[int, str] | None = None) -> Env:
    values = {}
    for j, column in enumerate(table.series):
        for i, v in enumerate(table.values(j)):
            d = shown(v, column)
            if d is not None:
                values[(j, i)] = d
    series = [strip_unit(c.name) or f"series {j + 1}" for j, c in enumerate(table.series)]
    digits = next((c.digits for c in table.series if c.digits != "latn"), "latn")
    return Env(table.labels(), series, list(table.series), values, dict(colours or {}), dict(axis_titles or {}),
               dict(legend_names or {}), digits=digits)


@dataclass
class Draft:
    """A question being built: its operation, program, answer format and wording slots; `named`
    rows appear in the question, `refs` are its visual references, `template` a fixed phrasing."""

    op: str
    expr: list
    fmt: str
    slots: dict[str, Any]
    named: list[int] = field(default_factory=list)
    refs: list[dict] = field(default_factory=list)
    template: int | None = None
    counted: bool = False


# evaluation -------------------------------------------------------------------------------------


class _Run:
    def __init__(self, env: Env):
        self.env = env
        self.cells: list[Cell] = []
        self.steps: list[str] = []

    def ev(self, e: list) -> Any:
        op, args = e[0], e[1:]
        fn = getattr(self, "op_" + op, None)
        if fn is None:
            raise Invalid(f"unknown operation {op!r}")
        out = fn(*args)
        if op not in LEAVES:
            self.steps.append(f"{_expr(e, self.env)} = {self.show(out)}")
        return out

    def show(self, out: Any) -> str:
        if isinstance(out, Num):
            return _plain(out.v)
        if isinstance(out, bool):
            return "Yes" if out else "No"
        if isinstance(out, list):
            return "[" + ", ".join(self.env.labels[r] if n is None else f"{self.env.labels[r]}: {_plain(n.v)}" for r, n in out) + "]"
        if isinstance(out, _Row):
            return self.env.labels[out.r]
        return str(out)

    # leaves
    def op_col(self, s: int) -> list[tuple[int, Num]]:
        out = [(r, self.env.num((s, r))) for r in range(len(self.env.labels)) if (s, r) in self.env.values]
        self.cells += [(s, r) for r, _ in out]
        return out

    def op_cell(self, s: int, r: int | list) -> Num:
        r = self.row(r)
        self.cells.append((s, r))
        return self.env.num((s, r))

    def row(self, r: int | list) -> int:
        """A row given by its index or by a program that picks one (["argmax", ...])."""
        if isinstance(r, list):
            picked = self.ev(r)
            if not isinstance(picked, _Row):
                raise Invalid("not a row")
            return picked.r
        return r

    def op_text(self, c: int, r: int | list) -> str:
        r = self.row(r)
        if (c, r) not in self.env.texts:
            raise Invalid(f"no text at {(c, r)}")
        return self.env.texts[(c, r)]

    def op_match(self, c: int, value: str) -> list:
        return [(r, None) for r in range(len(self.env.labels)) if self.env.texts.get((c, r)) == value]

    def op_where(self, xs: list, c: int, value: str) -> list:
        return [(r, n) for r, n in self.ev(xs) if self.env.texts.get((c, r)) == value]

    def op_has(self, c: int, r: int, value: str) -> bool:
        if (c, r) not in self.env.texts:
            raise Invalid(f"no text at {(c, r)}")
        return self.env.texts[(c, r)] == value

    def op_field(self, name: str) -> Num:
        if name not in self.env.fields:
            raise Invalid(f"no field {name!r}")
        return Num.exact(self.env.fields[name])

    def op_num(self, text: str) -> Num:
        return Num.exact(Decimal(text))

    def op_nrows(self) -> int:
        return len(self.env.labels)

    def op_nseries(self) -> int:
        return len(self.env.series)

    def op_axis_title(self, axis: str) -> str:
        if axis not in self.env.axis_titles:
            raise Invalid(f"no {axis} axis title")
        return self.env.axis_titles[axis]

    def op_colour(self, s: int) -> str:
        if s not in self.env.colours:
            raise Invalid(f"series {s} has no unambiguous colour name")
        return self.env.colours[s]

    def op_series(self, s: int) -> str:
        if s not in self.env.legend_names:
            raise Invalid(f"series {s} is not named in a legend")
        return self.env.legend_names[s]

    # lists -> numbers
    def op_max(self, xs: list) -> Num:
        xs = self.ev(xs)
        _nonempty(xs)
        return Num(max(n.v for _, n in xs), max(n.lo for _, n in xs), max(n.hi for _, n in xs))

    def op_min(self, xs: list) -> Num:
        xs = self.ev(xs)
        _nonempty(xs)
        return Num(min(n.v for _, n in xs), min(n.lo for _, n in xs), min(n.hi for _, n in xs))

    def op_sum(self, xs: list) -> Num:
        xs = self.ev(xs)
        _nonempty(xs)
        out = Num.exact(Decimal(0))
        for _, n in xs:
            out = out + n
        return out

    def op_mean(self, xs: list) -> Num:
        xs = self.ev(xs)
        _nonempty(xs)
        total = Num.exact(Decimal(0))
        for _, n in xs:
            total = total + n
        k = Decimal(len(xs))
        return Num(total.v / k, total.lo / k, total.hi / k)

    def op_count(self, xs: list) -> int:
        return len(self.ev(xs))

    # lists -> rows
    def _arg(self, xs: list, sign: int) -> "_Row":
        xs = self.ev(xs)
        _nonempty(xs)
        best = max(n.v * sign for _, n in xs)
        winners = [(r, n) for r, n in xs if n.v * sign == best]
        if len(winners) != 1:
            raise Invalid("tie for the extreme")
        w, wn = winners[0]
        for r, n in xs:
            if r != w and not _apart(wn, n):
                raise Unreadable("the extreme is not clear from the image")
        return _Row(w)

    def op_argmax(self, xs: list) -> "_Row":
        return self._arg(xs, 1)

    def op_argmin(self, xs: list) -> "_Row":
        return self._arg(xs, -1)

    def op_nth(self, xs: list, k: int) -> "_Row":
        return self._nth(xs, k, 1)

    def op_nth_low(self, xs: list, k: int) -> "_Row":
        return self._nth(xs, k, -1)

    def _nth(self, xs: list, k: int, sign: int) -> "_Row":
        xs = self.ev(xs)
        if not 0 < k <= len(xs):
            raise Invalid("k out of range")
        ranked = sorted(xs, key=lambda rn: rn[1].v * sign, reverse=True)
        r, me = ranked[k - 1]
        for q, n in xs:
            if q != r and n.v == me.v:
                raise Invalid("tie")
            if q != r and not _apart(me, n):
                raise Unreadable("order not clear from the image")
        return _Row(r)

    def op_label(self, r: int) -> "_Row":
        return _Row(r)

    def op_is(self, row: list, r: int) -> bool:
        return self.ev(row).r == r

    # lists -> lists
    def op_pick(self, s: int, rows: list[int]) -> list[tuple[int, Num]]:
        self.cells += [(s, r) for r in rows]
        return [(r, self.env.num((s, r))) for r in rows]

    def _filter(self, xs: list, t: list, above: bool) -> list:
        xs, t = self.ev(xs), self.ev(t)
        out = []
        for r, n in xs:
            if n.v == t.v and n.lo == n.hi and t.lo == t.hi:
                continue  # exactly on the threshold: neither above nor below
            if n.lo > t.hi:
                keep = above
            elif n.hi < t.lo:
                keep = not above
            else:
                raise Unreadable("a value too close to the threshold")
            if keep:
                out.append((r, n))
        return out

    def op_above(self, xs: list, t: list) -> list:
        return self._filter(xs, t, True)

    def op_below(self, xs: list, t: list) -> list:
        return self._filter(xs, t, False)

    def _top(self, xs: list, k: int, sign: int) -> list:
        xs = self.ev(xs)
        if not 0 < k < len(xs):
            raise Invalid("k out of range")
        ranked = sorted(xs, key=lambda rn: rn[1].v * sign, reverse=True)
        inner, outer = ranked[k - 1][1], ranked[k][1]
        if inner.v == outer.v:
            raise Invalid("tie at the cut")
        if not _apart(inner, outer):
            raise Unreadable("the cut is not clear from the image")
        return sorted(ranked[:k], key=lambda rn: rn[0])

    def op_top(self, xs: list, k: int) -> list:
        return self._top(xs, k, 1)

    def op_bottom(self, xs: list, k: int) -> list:
        return self._top(xs, k, -1)

    def op_gap(self, a: list, b: list) -> list:
        xa, xb = dict(self.ev(a)), dict(self.ev(b))
        return [(r, _absdiff(xa[r], xb[r])) for r in xa if r in xb]

    def op_rank(self, xs: list, r: int) -> int:
        xs = dict(self.ev(xs))
        if r not in xs:
            raise Invalid("row not in the list")
        me = xs[r]
        for q, n in xs.items():
            if q != r and n.v == me.v:
                raise Invalid("tie")
            if q != r and not _apart(me, n):
                raise Unreadable("rank not clear from the image")
        return 1 + sum(1 for q, n in xs.items() if n.v > me.v)

    # numbers -> numbers
    def op_sub(self, a: list, b: list) -> Num:
        return self.ev(a) - self.ev(b)

    def op_add(self, a: list, b: list) -> Num:
        return self.ev(a) + self.ev(b)

    def op_absdiff(self, a: list, b: list) -> Num:
        return _absdiff(self.ev(a), self.ev(b))

    def op_div(self, a: list, b: list) -> Num:
        return _div(self.ev(a), self.ev(b))

    def op_share(self, a: list, b: list) -> Num:
        q = _div(self.ev(a), self.ev(b))
        h = Decimal(100)
        return Num(q.v * h, q.lo * h, q.hi * h)

    def op_gt(self, a: list, b: list) -> bool:
        return _order(self.ev(a), self.ev(b))

    def op_lt(self, a: list, b: list) -> bool:
        first = self.ev(a)
        return _order(self.ev(b), first)


@dataclass(frozen=True)
class _Row:
    r: int


def _nonempty(xs: list) -> None:
    if not xs:
        raise Invalid("empty list")


def _apart(a: Num, b: Num) -> bool:
    return a.lo > b.hi or b.lo > a.hi


def _order(a: Num, b: Num) -> bool:
    if a.v == b.v:
        raise Invalid("equal values")
    if not _apart(a, b):
        raise Unreadable("order not clear from the image")
    return a.v > b.v


def _absdiff(a: Num, b: Num) -> Num:
    d = a - b
    if d.lo >= 0:
        return Num(abs(d.v), d.lo, d.hi)
    if d.hi <= 0:
        return Num(abs(d.v), -d.hi, -d.lo)
    return Num(abs(d.v), Decimal(0), max(-d.lo, d.hi))


def _div(a: Num, b: Num) -> Num:
    if b.v <= 0 or a.v < 0:
        raise Invalid("division needs positive values")
    if b.lo <= 0:
        raise Unreadable("divisor may be zero")
    return Num(a.v / b.v, max(a.lo, Decimal(0)) / b.hi, a.hi / b.lo)


# results ----------------------------------------------------------------------------------------


@dataclass
class Result:
    value: Any  # Num, int, bool, _Row or str
    answer: str
    cells: list[Cell]
    steps: list[str]
    tolerance: Decimal = Decimal(0)


def execute(expr: list, fmt: str, env: Env) -> Result:
    """Run `expr` on `env` and write its answer the way the chart writes numbers (`fmt`):
    `col:s` the column format of series s; `mean:s` the same, one more decimal when the mean is not
    exact there; `ratio` two decimals; `share` one decimal and '%'; `int`; `label`; `yesno`; `text`."""
    run = _Run(env)
    value = run.ev(expr)
    answer = _format(value, fmt, env)
    if env.writer is None and env.digits != "latn":  # a table's writer has its digits already
        from factory.generators.locales import to_digits

        answer = to_digits(answer, env.digits)
    cells = list(dict.fromkeys(run.cells))
    tolerance = Decimal(0)
    if isinstance(value, Num):
        tolerance = max(value.hi - value.v, value.v - value.lo)
    return Result(value, answer, cells, run.steps, tolerance)


def _format(value: Any, fmt: str, env: Env) -> str:
    kind, _, arg = fmt.partition(":")
    if env.writer is not None and kind in ("col", "mean", "int", "field"):
        return _written(value, kind, arg, env)
    if kind == "col":
        return fmt_number(value.v, env.columns[int(arg)])
    if kind == "mean":
        column = env.columns[int(arg)]
        places = column.decimals + (0 if value.v == _quantize(value.v, column.decimals) else 1)
        return fmt_number(value.v, column, places)
    if kind == "ratio":
        q = _quantize(value.v, RATIO_DECIMALS)
        if q == 0:
            raise Invalid("ratio rounds to zero")
        return _plain(q)
    if kind == "share":
        return _plain(_quantize(value.v, SHARE_DECIMALS)) + "%"
    if kind == "int":
        return str(int(value))
    if kind == "label":
        return env.labels[value.r]
    if kind == "yesno":
        return "Yes" if value else "No"
    if kind == "text":
        return str(value)
    raise Invalid(f"unknown answer format {fmt!r}")


def _written(value: Any, kind: str, arg: str, env: Env) -> str:
    """An answer in the image's own number format (a table's digits, separators, signs), or Invalid
    when the cells do not show how that number would be written."""
    if kind == "int":
        text = env.writer.count(int(value))
    elif kind == "field":  # written as the document writes that amount
        text = env.writer.number(value.v, arg, None)
    else:
        s = int(arg)
        places = env.columns[s].decimals
        if kind == "mean" and value.v != _quantize(value.v, places):
            places += 1
        text = env.writer.number(value.v, s, places)
    if text is None:
        raise Invalid("the image shows no way to write this number")
    return text


def _quantize(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _plain(value: Decimal) -> str:
    """A decimal without exponent, at most four decimals (for rationales and ratios)."""
    if value != _quantize(value, 4):
        value = _quantize(value, 4)
    text = f"{value:f}"
    return text[1:] if text.startswith("-") and Decimal(text) == 0 else text


def round_between(values: list[Decimal], decimals: int, rng: Any) -> Decimal | None:
    """A threshold for counting and filtering: the roundest number (at most `decimals` places)
    strictly between two neighbouring distinct values, so no value sits on it; None with fewer
    than three distinct values."""
    values = sorted(set(values))
    if len(values) < 3:
        return None
    i = int(rng.integers(len(values) - 1))
    a, b = values[i], values[i + 1]
    mid = (a + b) / 2
    for places in range(-4, decimals + 1):
        q = mid.quantize(Decimal(1).scaleb(-places))
        if a < q < b:
            return Decimal(f"{q:f}")
    return None


def fmt_number(value: Decimal, column: Column, decimals: int | None = None) -> str:
    places = column.decimals if decimals is None else decimals
    q = _quantize(value, places)
    text = f"{q:f}"
    text = text[1:] if text.startswith("-") and q == 0 else text
    return text + ("%" if column.percent else "")


def readable(expr: list, fmt: str, env: Env, view: ChartView, named: list[int], counted: bool = False) -> dict[str, Any] | None:
    """How the program's answer can be read from the drawn chart, or None when it cannot (see the
    module docstring); `named` rows must be printed in the image."""
    if any(r not in view.printed_rows for r in named):
        return None
    if counted:
        return {"how": "counted", "tolerance": 0}
    probe = execute(expr, fmt, env)
    errors = {}
    for c in env.values:
        e = Decimal(0) if c in view.printed_cells else view.error
        errors[c] = e
    if any(errors[c] is None for c in probe.cells):
        return None
    widened = Env(env.labels, env.series, env.columns, env.values, env.colours, env.axis_titles, env.legend_names,
                  {c: (e if e is not None else Decimal(0)) for c, e in errors.items()})  # fmt: skip
    try:
        result = execute(expr, fmt, widened)
    except Unreadable:
        return None
    if isinstance(result.value, Num):
        v = abs(result.value.v)
        if result.tolerance > RELAXED * v or (v == 0 and result.tolerance > 0):
            return None
    if any(errors[c] != 0 for c in result.cells):
        how = "estimate"
    else:
        how = "printed" if expr[0] in ("cell", "label", "series", "colour", "axis_title") else "computed"
    return {"how": how, "tolerance": float(result.tolerance)}


def rationale(expr: list, fmt: str, env: Env) -> str:
    """The program as a short expression, the values it read and each step's result."""
    result = execute(expr, fmt, env)
    used = "; ".join(f"{env.series[s]} {env.labels[r]} = {_plain(env.values[(s, r)])}" for s, r in result.cells[:12])
    if len(result.cells) > 12:
        used += f"; … ({len(result.cells)} values)"
    lines = [f"program: {_expr(expr, env)}"]
    if used:
        lines.append(f"values: {used}")
    lines += result.steps
    lines.append(f"answer: {result.answer}")
    return "\n".join(lines)


def _expr(e: Any, env: Env) -> str:
    """A short readable form: max(Revenue) - min(Revenue)."""
    if not isinstance(e, list):
        return str(e)
    op, args = e[0], e[1:]
    if op == "col":
        return env.series[args[0]]
    if op == "cell":
        row = env.labels[args[1]] if isinstance(args[1], int) else _expr(args[1], env)
        return f"{env.series[args[0]]}[{row}]"
    if op == "num":
        return str(args[0])
    if op in ("sub", "add"):
        sign = "-" if op == "sub" else "+"
        return f"({_expr(args[0], env)} {sign} {_expr(args[1], env)})"
    if op == "rank":
        return f"rank({_expr(args[0], env)}, {env.labels[args[1]]})"
    if op == "pick":
        return "[" + ", ".join(f"{env.series[args[0]]}[{env.labels[r]}]" for r in args[1]) + "]"
    if op == "label":
        return f"label({env.labels[args[0]]})"
    if op == "text":
        row = env.labels[args[1]] if isinstance(args[1], int) else _expr(args[1], env)
        return f"{env.categories[args[0]]}[{row}]"
    if op == "field":
        return str(args[0])
    if op == "match":
        return f"rows({env.categories[args[0]]} = {args[1]})"
    if op == "where":
        return f"where({_expr(args[0], env)}, {env.categories[args[1]]} = {args[2]})"
    if op == "has":
        return f"({env.categories[args[0]]}[{env.labels[args[1]]}] = {args[2]})"
    if op in ("colour", "series"):
        return f"{op}({env.series[args[0]]})"
    return f"{op}(" + ", ".join(_expr(a, env) for a in args) + ")"
