"""Program questions about a document's tables and printed amounts (invoices, receipts, purchase
orders, statements, papers) and its filled-in fields (forms): the table QA grammar
(`factory.tasks.table_questions`) over what the page prints.

The grid is read from the document's fields (plain data: the texts the page draws, which
`document_tasks.read_document` checks word for word against the rendered page): a genre's line
items are rows, labelled by their description; quantities, prices and amounts are columns;
subtotal, tax, total and balances are amounts outside the table; a form's fields are rows with
their entry as a text column. Every printed number is read back with the locale's separators and
accepted only if the document's own formatter (`DocLocale.money`, `number`, `fixed`) writes that
value back to exactly the printed text, in one currency display for the whole document; answers
are written by the same formatter, as plain text (no-break spaces as spaces, as every document
target), so "What is the sum of the amounts?" answers with the subtotal as printed.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from factory.generators import locales
from factory.generators.doc_locale import DocLocale, doc_locale, plain
from factory.tasks.displayed_numbers import parse
from factory.tasks.table_questions import Grid, NumberColumn, TextColumn

# genre -> (list field, label key, row nouns, [(column key, kind, name in questions, additive)])
TABLES: dict[str, tuple[str, str, tuple[str, str], list[tuple[str, str, str, bool]]]] = {
    "invoice": ("items", "description", ("item", "items"),
                [("quantity", "number", "quantity", True), ("unit_price", "money", "unit price", False), ("amount", "money", "amount", True)]),
    "purchase_order": ("items", "description", ("item", "items"),
                       [("quantity", "number", "quantity", True), ("unit_price", "money", "unit price", False),
                        ("amount", "money", "amount", True)]),
    "receipt": ("items", "name", ("item", "items"),
                [("quantity", "number", "quantity", True), ("unit_price", "money", "unit price", False), ("price", "money", "price", True)]),
    "statement": ("transactions", "description", ("transaction", "transactions"),
                  [("debit", "money", "debit", True), ("credit", "money", "credit", True), ("amount", "money", "amount", True),
                   ("balance", "money", "balance", False)]),
}  # fmt: skip
# genre -> [(field path, how a question names it, whether it adds up with the others so marked)]
AMOUNTS: dict[str, list[tuple[str, str, bool]]] = {
    "invoice": [("subtotal", "the subtotal", True), ("tax.amount", "the tax", True), ("total", "the total", False)],
    "purchase_order": [("subtotal", "the subtotal", True), ("shipping", "the shipping cost", True), ("tax.amount", "the tax", True),
                       ("total", "the total", False)],
    "receipt": [("subtotal", "the subtotal", False), ("tax.amount", "the tax", False), ("total", "the total", False),
                ("payment.tendered", "the amount tendered", False), ("payment.change", "the change given", False)],
    "statement": [("opening_balance", "the opening balance", False), ("closing_balance", "the closing balance", False),
                  ("total_debits", "the total of the debits", False), ("total_credits", "the total of the credits", False)],
}  # fmt: skip
DISPLAYS = ("symbol", "code", "none")
# the genres `document_grid` reads a grid from (résumés and letters print no table, amounts or form)
GRID_GENRES = (*TABLES, "form", "paper")


def _get(fields: dict[str, Any], path: str) -> Any:
    value: Any = fields
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def numbering(genre: str, fields: dict[str, Any]) -> str:
    """The numbering system a document prints its numbers in, read off the digits of its amounts,
    table or date (the source does not keep it; ids such as 'INV-2021-0001' stay ASCII)."""
    if genre in AMOUNTS:
        texts = [_get(fields, path) for path, _, _ in AMOUNTS[genre]]
    elif genre == "paper":
        texts = [cell for row in (fields.get("table") or {}).get("rows") or [] for cell in row[1:]]
    else:
        texts = [f.get("value") for f in fields.get("fields", [])[-2:-1]]  # a form's date
    for ch in "".join(t for t in texts if isinstance(t, str)):
        if ch.isdecimal():
            zero = ord(ch) - int(ch)
            return next((system for system, z in locales.DIGIT_ZERO.items() if z == zero), "latn")
    return "latn"


def separators(loc: DocLocale) -> tuple[str, str]:
    """(decimal, group) as the document prints them: the locale's, in Arabic-script forms where its digits are."""
    symbols = loc.babel.number_symbols["latn"]
    dec, group = symbols["decimal"], symbols["group"]
    if loc.numbering in ("arab", "arabext"):
        dec, group = {".": "\u066b", ",": "\u066c"}.get(dec, dec), {".": "\u066b", ",": "\u066c"}.get(group, group)
    return dec, group


class DocumentWriter:
    """Numbers written by the document's own formatter (`qa_programs.Env.writer`), as plain text."""

    def __init__(self, loc: DocLocale, display: str | None, kinds: dict[Any, tuple[str, int]]):
        self.loc, self.display, self.kinds = loc, display, kinds

    def number(self, value: Decimal, key: Any, places: int | None) -> str | None:
        kind, own = self.kinds[key]
        places = own if places is None else places
        q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if kind == "money":
            if places != self.loc.precision or self.display is None:
                return None  # money is printed in its minor unit, never finer
            return plain(self.loc.money(q, self.display))
        if kind == "fixed":
            return plain(self.loc.fixed(q, places))
        return plain(self.loc.number(q))

    def count(self, n: int) -> str:
        return plain(self.loc.number(n))


def document_grid(genre: str, locale: str, fields: dict[str, Any]) -> Grid | None:
    """The grid of a document's table, amounts or form fields, or None for genres without them."""
    loc = doc_locale(locale, numbering(genre, fields))
    dec, group = separators(loc)
    if genre == "form":
        rows = [(i, f) for i, f in enumerate(fields.get("fields", [])) if isinstance(f.get("value"), str)]
        labels = [plain(f["label"]) for _, f in rows]
        texts = [plain(f["value"]) or None for _, f in rows]
        places = {("text", 0, r): f"fields.{i}.value" for r, (i, _) in enumerate(rows)}
        places.update({("label", -1, r): f"fields.{i}.label" for r, (i, _) in enumerate(rows)})
        return Grid(labels, [], [TextColumn("entry", texts, countable=False)], DocumentWriter(loc, None, {}), "field", "fields",
                    places=places)  # fmt: skip
    if genre == "paper":
        table = fields.get("table") or {}
        header, body = table.get("header") or [], table.get("rows") or []
        numbers, kinds = [], {}
        where: dict[tuple[str, int, int], str] = {}
        for j in range(1, len(header)):
            parsed = [parse(row[j], dec, group) for row in body]
            if not parsed or any(p is None for p in parsed) or len({p.decimals for p in parsed}) != 1:  # type: ignore[union-attr]
                continue
            places = parsed[0].decimals  # type: ignore[union-attr]
            if any(loc.fixed(p.value, places) != row[j] for p, row in zip(parsed, body)):  # type: ignore[union-attr]
                continue
            kinds[len(numbers)] = ("fixed", places)
            where.update({("number", len(numbers), r): f"table.rows.{r}.{j}" for r in range(len(body))})
            numbers.append(NumberColumn(plain(header[j]), [p.value for p in parsed], places, False))  # type: ignore[union-attr]
        where.update({("label", -1, r): f"table.rows.{r}.0" for r in range(len(body))})
        return Grid([plain(row[0]) for row in body], numbers, [], DocumentWriter(loc, None, kinds), "method", "methods",
                    places=where)  # fmt: skip
    if genre not in TABLES:
        return None
    key, label_key, (dim, dims), spec = TABLES[genre]
    rows = fields.get(key) or []
    money_texts = [row[k] for row in rows for k, kind, _, _ in spec if kind == "money" and row.get(k)]
    money_texts += [t for path, _, _ in AMOUNTS.get(genre, []) if isinstance(t := _get(fields, path), str)]
    display = _display(loc, money_texts, dec, group)
    numbers, kinds = [], {}
    where = {("label", -1, r): f"{key}.{r}.{label_key}" for r in range(len(rows))}
    for k, kind, name, additive in spec:
        texts = [row.get(k) for row in rows]
        if not any(texts):
            continue
        values = [_read(loc, kind, display, t, dec, group) if t else None for t in texts]
        if any(t and v is None for t, v in zip(texts, values)):
            continue  # a printed value the formatter does not write back: no question about the column
        places = loc.precision if kind == "money" else max((_places(v) for v in values if v is not None), default=0)
        kinds[len(numbers)] = (kind, places)
        where.update({("number", len(numbers), r): f"{key}.{r}.{k}" for r, t in enumerate(texts) if t})
        numbers.append(NumberColumn(name, values, places, additive))
    amounts, names = {}, {}
    additive_fields = set()
    for path, phrase, adds in AMOUNTS.get(genre, []):
        text = _get(fields, path)
        value = _read(loc, "money", display, text, dec, group) if isinstance(text, str) else None
        if value is None or value < 0:
            continue
        amounts[path], names[path] = value, phrase
        kinds[path] = ("money", loc.precision)
        if adds:
            additive_fields.add(path)
    labels = [plain(row.get(label_key, "")) for row in rows]
    return Grid(labels, numbers, [], DocumentWriter(loc, display, kinds), dim, dims, fields=amounts, field_names=names,
                additive_fields=additive_fields, places=where)


def _places(value: Decimal) -> int:
    return max(0, -value.normalize().as_tuple().exponent)  # type: ignore[operator]


def _display(loc: DocLocale, texts: list[str], dec: str, group: str) -> str | None:
    """The one currency display ('symbol', 'code', 'none') that writes every amount as printed."""
    for display in DISPLAYS:
        if texts and all(_read(loc, "money", display, t, dec, group) is not None for t in texts):
            return display
    return None


def _read(loc: DocLocale, kind: str, display: str | None, text: str, dec: str, group: str) -> Decimal | None:
    """A printed number's value, if the document's formatter writes that value back to exactly `text`."""
    parsed = parse(text, dec, group)
    if parsed is None:
        return None
    value = parsed.value
    if kind == "money":
        return value if display is not None and loc.money(value, display) == text else None
    return value if loc.number(value) == text else None
