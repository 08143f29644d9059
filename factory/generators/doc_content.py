"""What each document genre says: its fields (the JSON target), what else it prints, and its QA.

A genre builder returns `Content`: `fields` is the document's data exactly as printed, in the key
order of the genre's published schema (factory/schemas/<genre>.schema.json); `view` is what the
template needs besides (labels, a brand mark, extra lines); `numbers` keeps the amounts as
decimal strings so a test can redo the arithmetic; `qa` are questions about fields and computed
facts, each answered by a printed value. Every amount is computed with Decimal and rounded to the
currency's minor unit before it is printed, so the printed numbers add up: line amount =
quantity x unit price, subtotal = sum of lines, tax = rate x taxable amount, total = subtotal -
discount + shipping + tax, and every balance of a statement = the previous one + credit - debit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from faker import Faker

from factory.generators import locales
from factory.generators.doc_locale import LOCALES, TAX_INCLUDED, TAX_RATES, DocLocale, plain
from factory.generators.doc_math import equation
from factory.generators.page_assets import slug

GENRES = ("invoice", "receipt", "purchase_order", "statement", "form", "resume", "letter", "paper")

# English goods and services; other languages use Faker's words in that language.
ITEMS_EN = (
    "Consulting hours", "Website design", "Logo design", "Hosting (annual)", "Domain renewal", "Office chairs",
    "Desk lamp", "Printer paper A4", "Laptop stand", "Wireless mouse", "USB-C cable", "Software licence",
    "Support plan", "Training session", "Translation services", "Photography", "Copywriting", "SEO audit",
    "Cloud storage", "Maintenance visit", "Spare parts kit", "Installation", "Delivery fee", "Safety boots",
    "Ink cartridges", "Whiteboard markers", "Conference room rental", "Catering", "Data migration", "Server rack",
)
GROCERIES_EN = (
    "Milk 1L", "Bread", "Eggs x12", "Butter", "Coffee beans", "Bananas", "Apples", "Cheddar", "Yogurt", "Orange juice",
    "Pasta", "Tomato sauce", "Rice 1kg", "Chicken breast", "Olive oil", "Tea bags", "Chocolate", "Sparkling water",
    "Tomatoes", "Onions", "Potatoes 2kg", "Cereal", "Ham", "Salad mix", "Croissant", "Latte", "Espresso", "Muffin",
)
SKILLS_EN = (
    "Python", "SQL", "Excel", "Project management", "Negotiation", "Public speaking", "Data analysis", "Budgeting",
    "Customer service", "Team leadership", "Agile methods", "Technical writing", "Machine learning", "Accounting",
    "Photoshop", "JavaScript", "Supply chain", "Recruiting", "Research", "Quality assurance",
)
LANGUAGE_CODES = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "ja", "ru", "zh", "da")
LEVELS = ("A2", "B1", "B2", "C1", "C2")
CARD_BRANDS = ("VISA", "Mastercard", "AMEX", "Maestro")
SECTION_KEYS = ("introduction", "method", "results", "conclusion")


@dataclass
class Content:
    fields: dict[str, Any]
    view: dict[str, Any] = field(default_factory=dict)
    numbers: dict[str, Any] = field(default_factory=dict)
    qa: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Room:
    """How much fits on the sheet: list rows and body lines, estimated from paper, font and margins."""

    rows: int  # table rows of one line each, below a typical header
    lines: int  # lines of running text on the whole sheet
    chars_per_line: int
    width_px: float = 600.0  # inside the margins
    line_px: float = 16.0


def doc_faker(locale: str) -> Faker:
    """One Faker per locale and process, re-seeded for every document, with stable data order.

    Faker's it_IT address provider builds its city list from a set, so its order (and so which
    city a seed gives) changes with PYTHONHASHSEED: every process would write different
    documents. `locales.stable_faker` sorts such lists (shared with pages, tables and charts).
    """
    return locales.faker_for(locale)


def flatten(fields: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(path, value) for every printed leaf: 'items.0.amount' -> '€12.00'. Lists index by position."""
    if isinstance(fields, dict):
        out = []
        for key, value in fields.items():
            out += flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(fields, list):
        out = []
        for i, value in enumerate(fields):
            out += flatten(value, f"{prefix}.{i}")
        return out
    return [(prefix, fields)]


class DocWriter:
    """All the words and numbers of one document, from the sample's seed."""

    def __init__(self, r: random.Random, loc: DocLocale, seed: int):
        self.r = r
        self.loc = loc
        self.L = loc.labels()
        self.fake: Faker = doc_faker(loc.code)
        self.fake.seed_instance(seed)
        self.english = loc.language == "en"
        # Locales beyond the first thirteen take what their Faker does not write in their script
        # (Latin lorem, English companies or addresses) from `locales`: CLDR words, pools.
        more = loc.code not in LOCALES
        self.word_list = list(locales.word_list(loc.code)) if more and not locales.native_lorem(loc.code) else None
        self.faked = {k: not more or locales.faker_native(loc.code, k) for k in ("name", "company", "address", "city", "job")}
        self.full_stop = locales.SCRIPTS[locales.info(loc.code).script].full_stop if more else "."

    # --- text --------------------------------------------------------------------------------
    def cap(self, text: str) -> str:
        return locales.capitalized(text)

    def words(self, lo: int, hi: int) -> str:
        sep = "" if self.loc.cjk else " "
        return self.cap(sep.join(self.fake.words(self.r.randint(lo, hi), ext_word_list=self.word_list)))

    def sentence(self, lo: int = 6, hi: int = 14) -> str:
        text = self.fake.sentence(nb_words=self.r.randint(lo, hi), variable_nb_words=False, ext_word_list=self.word_list)
        text = locales.uncapitalized_georgian(text)
        if self.word_list is not None and text.endswith(".") and self.full_stop != ".":
            text = text[:-1] + self.full_stop
        return text

    def paragraph(self, sentences: int) -> str:
        sep = "" if self.loc.cjk else " "
        return sep.join(self.sentence() for _ in range(sentences))

    def title(self, lo: int, hi: int) -> str:
        text = self.sentence(lo, hi).rstrip(".。")
        if self.english:
            small = {"a", "an", "the", "of", "and", "or", "for", "in", "on", "to", "with"}
            parts = text.split()
            text = " ".join(p if i and p in small else self.cap(p) for i, p in enumerate(parts))
        return text

    def item(self, pool: tuple[str, ...]) -> str:
        if self.english:
            return self.r.choice(pool)
        return self.words(1, 2)

    # --- people and places -------------------------------------------------------------------
    def person(self) -> str:
        return self.fake.name() if self.faked["name"] else self.r.choice(locales.pools(self.loc.code)["names"])

    def company(self) -> str:
        return self.fake.company() if self.faked["company"] else self.r.choice(locales.pools(self.loc.code)["companies"])

    def city(self) -> str:
        return self.fake.city() if self.faked["city"] else self.r.choice(locales.pools(self.loc.code)["cities"])

    def job(self) -> str:
        return self.fake.job() if self.faked["job"] else self.words(1, 2)

    def address(self) -> str:
        """A postal address as the locale writes it, lines separated by newlines."""
        if not self.faked["address"]:  # a street word and number, a postcode and a real city
            street = self.cap(self.r.choice(self.word_list or locales.word_list(self.loc.code)))
            return self.loc.digits(f"{street} {self.r.randint(1, 220)}\n{self.r.randint(10000, 99999)} {self.city()}")
        lines = [line.strip() for line in self.fake.address().split("\n") if line.strip()]
        return "\n".join(lines)

    def phone(self) -> str:
        return self.fake.phone_number()

    def email(self, name: str, domain: str | None = None) -> str:
        user = slug(name, "info").split("_")
        local = user[0] if len(user) == 1 else f"{user[0]}.{user[-1]}"
        return f"{local}@{domain or self.fake.free_email_domain()}"

    def domain(self, company: str) -> str:
        return (slug(company, "example").replace("_", "")[:18] or "example") + "." + self.r.choice(
            ("com", "net", "io", self.loc.code.split("_")[1].lower()))

    def day(self, start: date = date(2019, 1, 1), span_days: int = 2400) -> date:
        return start + timedelta(days=self.r.randrange(span_days))

    # --- money -------------------------------------------------------------------------------
    def price(self, lo: float, hi: float) -> Decimal:
        """A plausible unit price: a few 'nice' endings, scaled to the currency."""
        raw = Decimal(str(round(self.r.uniform(lo, hi), 0))) * self.loc.price_scale
        if self.loc.precision == 0:
            return Decimal(int(raw / 10) * 10 or 10)
        cents = self.r.choice(("0.00", "0.00", "0.50", "0.99", "0.95", "0.25"))
        return self.loc.quantize(raw + Decimal(cents))


def _tax_rate(w: DocWriter) -> Decimal:
    return Decimal(w.r.choice(TAX_RATES.get(w.loc.code, ("0.20",))))


def _count(r: random.Random, lo: int, room: int) -> int:
    """How many list rows: anywhere from `lo` to what fits, more often a fuller sheet."""
    hi = max(lo, room)
    return min(hi, max(lo, round(lo + (hi - lo) * r.random() ** 0.7)))


def _n(w: DocWriter, value: int) -> str:
    return w.loc.number(value)


def _party(w: DocWriter, company: bool = True, contact: bool = True) -> dict[str, str]:
    name = w.company() if company else w.person()
    out = {"name": name, "address": w.address()}
    if contact:
        if w.r.random() < 0.7:
            out["phone"] = w.phone()
        if w.r.random() < 0.6:
            out["email"] = w.email("info" if company else name, w.domain(name) if company else None)
    return out


def _mark(w: DocWriter, accent: str) -> dict[str, Any] | None:
    if w.r.random() < 0.2:
        return None
    return {"shape": w.r.choice(("circle", "square", "triangle", "hexagon")), "color": accent, "inner": "#ffffff",
            "rx": w.r.choice((4, 8, 13))}


def _line_items(w: DocWriter, n: int, pool: tuple[str, ...], display: str, sku: bool = False) -> tuple[list[dict], list[dict], Decimal]:
    """Printed line items and their numbers; amount = quantity x unit price, rounded."""
    printed, nums, subtotal = [], [], Decimal(0)
    seen: set[str] = set()
    for i in range(n):
        name = w.item(pool)
        for _ in range(5):
            if name not in seen:
                break
            name = w.item(pool)
        seen.add(name)
        if w.r.random() < 0.2:
            qty = Decimal(w.r.choice(("0.5", "1.5", "2.5", "4.5", "7.5", "12.5")))
        else:
            qty = Decimal(w.r.choice((1, 1, 1, 2, 2, 3, 4, 5, 6, 10, 12, 20, 25)))
        unit = w.price(3, 400) if qty <= 5 else w.price(1, 60)
        amount = w.loc.quantize(qty * unit)
        subtotal += amount
        row = {}
        if sku:
            row["item_no"] = f"{w.r.choice('ABCDEFGHKMNPRSTX')}{w.r.choice('ABCDEFGHKMNPRSTX')}-{w.r.randint(1000, 99999)}"
        row.update({"description": name, "quantity": w.loc.number(qty), "unit_price": w.loc.money(unit, display),
                    "amount": w.loc.money(amount, display)})
        printed.append(row)
        nums.append({"quantity": str(qty), "unit_price": str(unit), "amount": str(amount)})
    return printed, nums, subtotal


def _item_qa(w: DocWriter, fields: dict, items_key: str, nums: list[dict], name_key: str = "description",
             amount_key: str = "amount") -> list[dict[str, str]]:
    items = fields[items_key]
    qa = [{"question": "How many line items are listed?", "answer": _n(w, len(items)), "kind": "computed"}]
    k = w.r.randrange(len(items))
    qa.append({"question": f"What is the {amount_key.replace('_', ' ')} for \"{plain(items[k][name_key])}\"?",
               "answer": items[k][amount_key], "field": f"{items_key}.{k}.{amount_key}", "kind": "field"})
    if "quantity" in items[k]:
        qa.append({"question": f"What quantity of \"{plain(items[k][name_key])}\" is listed?",
                   "answer": items[k]["quantity"], "field": f"{items_key}.{k}.quantity", "kind": "field"})
    amounts = [Decimal(n[amount_key]) for n in nums]
    top = max(range(len(amounts)), key=lambda i: (amounts[i], -i))
    if amounts.count(amounts[top]) == 1:
        qa.append({"question": "Which line item has the highest amount?", "answer": items[top][name_key],
                   "field": f"{items_key}.{top}.{name_key}", "kind": "computed"})
    return qa


# --- genres -------------------------------------------------------------------------------------


def invoice(w: DocWriter, room: Room, style: dict[str, Any]) -> Content:
    L, loc, r = w.L, w.loc, w.r
    display = style["currency_display"]
    vendor = _party(w)
    if r.random() < 0.6:
        vendor["tax_id"] = f"{loc.code.split('_')[1]}{r.randint(100000000, 999999999)}"
    issued = w.day()
    due = issued + timedelta(days=r.choice((7, 14, 30, 30, 45, 60)))
    n = _count(r, 2, room.rows)
    items, nums, subtotal = _line_items(w, n, ITEMS_EN, display)
    fields: dict[str, Any] = {
        "vendor": vendor,
        "invoice_number": f"{r.choice(('INV-', 'RE-', 'F', '', '#'))}{issued.year}-{r.randint(1, 9999):04d}",
        "invoice_date": loc.date(issued, style["date_style"]),
        "due_date": loc.date(due, style["date_style"]),
        "customer": _party(w, company=r.random() < 0.7, contact=False),
        "items": items,
        "subtotal": loc.money(subtotal, display),
    }
    numbers: dict[str, Any] = {"items": nums, "subtotal": str(subtotal)}
    taxable = subtotal
    if r.random() < 0.3:
        rate = Decimal(r.choice(("0.05", "0.10", "0.15")))
        discount = loc.quantize(subtotal * rate)
        fields["discount"] = {"rate": loc.percent(rate), "amount": loc.money(-discount, display)}
        numbers["discount"] = {"rate": str(rate), "amount": str(-discount)}
        taxable -= discount
    rate = _tax_rate(w)
    tax = loc.quantize(taxable * rate)
    total = taxable + tax
    fields["tax"] = {"rate": loc.percent(rate), "amount": loc.money(tax, display)}
    fields["total"] = loc.money(total, display)
    numbers.update({"tax": {"rate": str(rate), "amount": str(tax)}, "total": str(total)})
    terms_days = (due - issued).days
    if r.random() < 0.6:
        fields["payment_terms"] = L["terms"].format(_n(w, terms_days))
    qa = [
        {"question": "What is the invoice number?", "answer": fields["invoice_number"], "field": "invoice_number", "kind": "field"},
        {"question": "What is the total amount?", "answer": fields["total"], "field": "total", "kind": "field"},
        {"question": "When is the payment due?", "answer": fields["due_date"], "field": "due_date", "kind": "field"},
        {"question": "Who is the invoice addressed to?", "answer": fields["customer"]["name"], "field": "customer.name", "kind": "field"},
        {"question": "What is the tax rate?", "answer": fields["tax"]["rate"], "field": "tax.rate", "kind": "field"},
        {"question": "What is the subtotal?", "answer": fields["subtotal"], "field": "subtotal", "kind": "field"},
        {"question": "Which company issued the invoice?", "answer": vendor["name"], "field": "vendor.name", "kind": "field"},
        *_item_qa(w, fields, "items", nums),
    ]
    if "discount" in fields:
        qa.append({"question": "How much is the discount?", "answer": fields["discount"]["amount"], "field": "discount.amount", "kind": "field"})
    view = {"title": L["invoice"], "mark": _mark(w, style["accent"]), "note": L["thank_you"] if r.random() < 0.6 else ""}
    return Content(fields, view, numbers, qa)


def receipt(w: DocWriter, room: Room, style: dict[str, Any]) -> Content:
    L, loc, r = w.L, w.loc, w.r
    display = "none" if r.random() < 0.6 else "symbol"
    store = _party(w)
    store.pop("email", None)
    day = w.day()
    moment = time(r.randint(7, 21), r.randrange(60))
    n = r.randint(1, min(room.rows, 14))
    items, nums, subtotal = [], [], Decimal(0)
    for _ in range(n):
        name = w.item(GROCERIES_EN)
        name = name.upper() if style["receipt_caps"] else name
        qty = Decimal(r.choice((1, 1, 1, 1, 2, 2, 3, 4)))
        unit = w.price(1, 12)
        price = loc.quantize(qty * unit)
        row = {"name": name[:24], "quantity": loc.number(qty)}
        if qty > 1:
            row["unit_price"] = loc.money(unit, display)
        row["price"] = loc.money(price, display)
        items.append(row)
        nums.append({"quantity": str(qty), "unit_price": str(unit), "price": str(price)})
        subtotal += price
    rate = _tax_rate(w)
    included = loc.code in TAX_INCLUDED
    if included:
        tax = loc.quantize(subtotal * rate / (1 + rate))
        total = subtotal
    else:
        tax = loc.quantize(subtotal * rate)
        total = subtotal + tax
    fields: dict[str, Any] = {
        "store": store,
        "receipt_number": f"{r.randint(1, 9999):04d}-{r.randint(1, 999999):06d}",
        "date": loc.date(day, r.choice(("short", "medium", "iso"))),
        "time": loc.time(moment),
        "items": items,
        "subtotal": loc.money(subtotal, display),
        "tax": {"rate": loc.percent(rate), "amount": loc.money(tax, display)},
        "total": loc.money(total, display),
    }
    numbers: dict[str, Any] = {"items": nums, "subtotal": str(subtotal), "tax": {"rate": str(rate), "amount": str(tax)},
                               "total": str(total), "tax_included": included}
    if r.random() < 0.5:
        step = Decimal(10 if loc.precision else 1000) * (1 if loc.price_scale < 50 else 10)
        tendered = ((total // step) + 1) * step if r.random() < 0.8 else total
        tendered = loc.quantize(tendered)
        change = tendered - total
        fields["payment"] = {"method": L["cash"], "tendered": loc.money(tendered, display), "change": loc.money(change, display)}
        numbers["payment"] = {"tendered": str(tendered), "change": str(change)}
    else:
        fields["payment"] = {"method": f"{L['card']} {r.choice(CARD_BRANDS)}", "card_number": f"**** {r.randint(0, 9999):04d}",
                             "amount": loc.money(total, display)}
        numbers["payment"] = {"amount": str(total)}
    qa = [
        {"question": "What is the total?", "answer": fields["total"], "field": "total", "kind": "field"},
        {"question": "What is the name of the store?", "answer": store["name"], "field": "store.name", "kind": "field"},
        {"question": "On what date was the purchase made?", "answer": fields["date"], "field": "date", "kind": "field"},
        {"question": "At what time was the purchase made?", "answer": fields["time"], "field": "time", "kind": "field"},
        {"question": "How much tax is on the receipt?", "answer": fields["tax"]["amount"], "field": "tax.amount", "kind": "field"},
        *_item_qa(w, fields, "items", nums, name_key="name", amount_key="price"),
    ]
    if "change" in fields["payment"]:
        qa.append({"question": "How much change was given?", "answer": fields["payment"]["change"], "field": "payment.change", "kind": "field"})
    view = {"title": L["receipt"], "mark": None, "footer": L["thanks_visit"], "tax_included": included}
    return Content(fields, view, numbers, qa)


def purchase_order(w: DocWriter, room: Room, style: dict[str, Any]) -> Content:
    L, loc, r = w.L, w.loc, w.r
    display = style["currency_display"]
    buyer = _party(w)
    supplier = _party(w, contact=r.random() < 0.5)
    ordered = w.day()
    delivery = ordered + timedelta(days=r.choice((5, 7, 10, 14, 21, 28)))
    n = _count(r, 2, room.rows)
    items, nums, subtotal = _line_items(w, n, ITEMS_EN, display, sku=True)
    shipping = w.price(5, 80) if r.random() < 0.6 else Decimal(0)
    rate = _tax_rate(w)
    tax = loc.quantize((subtotal + shipping) * rate)
    total = subtotal + shipping + tax
    fields: dict[str, Any] = {
        "buyer": buyer,
        "po_number": f"PO-{r.randint(10000, 999999)}",
        "order_date": loc.date(ordered, style["date_style"]),
        "delivery_date": loc.date(delivery, style["date_style"]),
        "supplier": supplier,
        "ship_to": w.address(),
        "items": items,
        "subtotal": loc.money(subtotal, display),
    }
    numbers: dict[str, Any] = {"items": nums, "subtotal": str(subtotal)}
    if shipping:
        fields["shipping"] = loc.money(shipping, display)
        numbers["shipping"] = str(shipping)
    fields["tax"] = {"rate": loc.percent(rate), "amount": loc.money(tax, display)}
    fields["total"] = loc.money(total, display)
    numbers.update({"tax": {"rate": str(rate), "amount": str(tax)}, "total": str(total)})
    if r.random() < 0.7:
        fields["authorized_by"] = w.person()
    qa = [
        {"question": "What is the purchase order number?", "answer": fields["po_number"], "field": "po_number", "kind": "field"},
        {"question": "What is the order total?", "answer": fields["total"], "field": "total", "kind": "field"},
        {"question": "When should the goods be delivered?", "answer": fields["delivery_date"], "field": "delivery_date", "kind": "field"},
        {"question": "Who is the supplier?", "answer": supplier["name"], "field": "supplier.name", "kind": "field"},
        *_item_qa(w, fields, "items", nums),
    ]
    k = r.randrange(n)
    qa.append({"question": f"What is the item number of \"{plain(items[k]['description'])}\"?", "answer": items[k]["item_no"],
               "field": f"items.{k}.item_no", "kind": "field"})
    view = {"title": L["purchase_order"], "mark": _mark(w, style["accent"])}
    return Content(fields, view, numbers, qa)


def statement(w: DocWriter, room: Room, style: dict[str, Any]) -> Content:
    L, loc, r = w.L, w.loc, w.r
    display = "none" if r.random() < 0.5 else style["currency_display"]
    bank = {"name": w.company(), "address": w.address()}
    holder = {"name": w.person(), "address": w.address()}
    start = w.day()
    start = start.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    n = _count(r, 4, room.rows)
    days = sorted(start + timedelta(days=r.randrange((end - start).days + 1)) for _ in range(n))
    opening = loc.quantize(Decimal(str(round(r.uniform(50, 9000), 2))) * loc.price_scale)
    balance = opening
    signed = style["statement_columns"] == "signed"
    rows, nums = [], []
    total_debit = total_credit = Decimal(0)
    for day in days:
        kind = r.random()
        if kind < 0.12:
            text, amount = f"{L['salary']} {w.company()}", w.price(1500, 4500)
        elif kind < 0.3:
            text, amount = f"{L['transfer_from']} {w.person()}", w.price(10, 600)
        elif kind < 0.55:
            text, amount = f"{L['card_payment']} {w.company()}", -w.price(3, 250)
        elif kind < 0.7:
            text, amount = f"{L['direct_debit']} {w.company()}", -w.price(10, 300)
        elif kind < 0.82:
            text, amount = f"{L['transfer_to']} {w.person()}", -w.price(10, 800)
        elif kind < 0.93:
            text, amount = L["atm"], -Decimal(r.choice((20, 40, 50, 100, 200))) * loc.price_scale
        else:
            text, amount = L["fee"], -w.price(1, 9)
        amount = loc.quantize(amount)
        balance += amount
        row: dict[str, str] = {"date": loc.date(day, "short" if style["date_style"] == "long" else style["date_style"]),
                               "description": text}
        if signed:
            row["amount"] = loc.money(amount, display)
        elif amount < 0:
            row["debit"] = loc.money(-amount, display)
        else:
            row["credit"] = loc.money(amount, display)
        row["balance"] = loc.money(balance, display)
        rows.append(row)
        nums.append({"amount": str(amount), "balance": str(balance)})
        if amount < 0:
            total_debit -= amount
        else:
            total_credit += amount
    fields: dict[str, Any] = {
        "bank": bank,
        "account_holder": holder,
        "account_number": w.fake.iban() if r.random() < 0.7 else f"{r.randint(10000000, 99999999)}",
        "period": {"start": loc.date(start, style["date_style"]), "end": loc.date(end, style["date_style"])},
        "opening_balance": loc.money(opening, display),
        "transactions": rows,
        "total_debits": loc.money(total_debit, display),
        "total_credits": loc.money(total_credit, display),
        "closing_balance": loc.money(balance, display),
    }
    numbers = {"opening_balance": str(opening), "transactions": nums, "total_debits": str(total_debit),
               "total_credits": str(total_credit), "closing_balance": str(balance)}
    qa = [
        {"question": "What is the closing balance?", "answer": fields["closing_balance"], "field": "closing_balance", "kind": "field"},
        {"question": "What is the opening balance?", "answer": fields["opening_balance"], "field": "opening_balance", "kind": "field"},
        {"question": "Who is the account holder?", "answer": holder["name"], "field": "account_holder.name", "kind": "field"},
        {"question": "How many transactions are listed?", "answer": _n(w, n), "kind": "computed"},
        {"question": "What is the total of the debits?", "answer": fields["total_debits"], "field": "total_debits", "kind": "field"},
        {"question": "When does the statement period end?", "answer": fields["period"]["end"], "field": "period.end", "kind": "field"},
    ]
    k = r.randrange(n)
    qa.append({"question": f"What is the balance after the transaction on line {k + 1}?", "answer": rows[k]["balance"],
               "field": f"transactions.{k}.balance", "kind": "field"})
    debits = [(Decimal(x["amount"]), i) for i, x in enumerate(nums) if Decimal(x["amount"]) < 0]
    if debits:
        low = min(debits)
        if [d for d, _ in debits].count(low[0]) == 1:
            qa.append({"question": "What is the description of the largest debit?", "answer": rows[low[1]]["description"],
                       "field": f"transactions.{low[1]}.description", "kind": "computed"})
    view = {"title": L["statement"], "mark": _mark(w, style["accent"]), "signed": signed}
    return Content(fields, view, numbers, qa)


def form(w: DocWriter, room: Room, style: dict[str, Any]) -> Content:
    L, loc, r = w.L, w.loc, w.r
    person = w.person()
    born = date(r.randint(1950, 2005), r.randint(1, 12), r.randint(1, 28))
    signed = w.day(date(2021, 1, 1), 1500)
    pool = [
        ("full_name", person),
        ("date_of_birth", loc.date(born, "short" if style["date_style"] == "long" else style["date_style"])),
        ("address", w.address()),
        ("phone", w.phone()),
        ("email", w.email(person)),
        ("occupation", w.job() if w.english or r.random() < 0.5 else w.words(1, 2)),
        ("company", w.company()),
    ]
    keep = [pool[0]] + [p for p in pool[1:] if r.random() < 0.8]
    keep = keep[: max(3, min(len(keep), room.rows // 2))]
    fields_list = [{"label": L[key], "value": value} for key, value in keep]
    contact = r.randrange(3)
    boxes = [{"label": L[key], "checked": i == contact} for i, key in enumerate(("by_email", "by_phone", "by_post"))]
    boxes.append({"label": L["newsletter"], "checked": r.random() < 0.5})
    boxes.append({"label": L["agree"], "checked": r.random() < 0.9})
    fields_list.append({"label": L["date"], "value": loc.date(signed, style["date_style"])})
    fields_list.append({"label": L["signature"], "value": person})
    title = L[r.choice(("application_form", "registration_form", "membership_form"))]
    fields = {"title": title, "fields": fields_list, "checkboxes": boxes}
    qa = [
        {"question": "What is the title of the form?", "answer": title, "field": "title", "kind": "field"},
        {"question": "Who filled in the form?", "answer": person, "field": "fields.0.value", "kind": "field"},
        {"question": "How many checkboxes are ticked?", "answer": _n(w, sum(b["checked"] for b in boxes)), "kind": "computed"},
        {"question": "Which contact method is preferred?", "answer": boxes[contact]["label"], "field": f"checkboxes.{contact}.label", "kind": "computed"},
    ]
    for i, (key, value) in enumerate(keep[1:], start=1):
        qa.append({"question": f"What is written in the field \"{plain(L[key])}\"?", "answer": value, "field": f"fields.{i}.value", "kind": "field"})
    view = {"organisation": w.company(), "mark": _mark(w, style["accent"]), "contact_label": L["contact_by"],
            "note": w.sentence(10, 18) if r.random() < 0.6 else ""}
    return Content(fields, view, {}, qa)


def resume(w: DocWriter, room: Room, style: dict[str, Any]) -> Content:
    L, loc, r = w.L, w.loc, w.r
    name = w.person()
    year = r.randint(2012, 2019)
    jobs = []
    end = date(2025, r.randint(1, 12), 1)
    n_jobs = max(1, min(r.randint(2, 5), room.lines // 14))
    current = r.random() < 0.6
    for i in range(n_jobs):
        start = date(max(1990, end.year - r.randint(1, 5)), r.randint(1, 12), 1)
        until = L["present"] if i == 0 and current else loc.month_year(end, style["month_style"])
        jobs.append({
            "role": w.job() if w.english else w.words(1, 3),
            "company": w.company(),
            "period": f"{loc.month_year(start, style['month_style'])} – {until}",
            "description": w.paragraph(r.randint(1, 3)),
        })
        end = date(start.year, max(1, start.month - 1), 1)
    schools = []
    for _ in range(r.randint(1, 2)):
        schools.append({"degree": w.words(2, 4), "institution": f"{w.city()} {w.words(1, 1)}",
                        "period": f"{year - r.randint(3, 5)} – {year}"})
        year -= r.randint(3, 5)
    skills = r.sample(SKILLS_EN, r.randint(4, 8)) if w.english else [w.words(1, 2) for _ in range(r.randint(4, 7))]
    languages = [{"language": loc.language_name(code), "level": r.choice(LEVELS)}
                 for code in r.sample([c for c in LANGUAGE_CODES if c != loc.language], r.randint(1, 3))]
    fields: dict[str, Any] = {
        "name": name,
        "headline": w.job() if w.english else w.words(1, 3),
        "contact": {"email": w.email(name), "phone": w.phone(), "address": w.city()},
        "profile": w.paragraph(r.randint(2, 3)),
        "experience": jobs,
        "education": schools,
        "skills": skills,
        "languages": languages,
    }
    qa = [
        {"question": "Whose résumé is this?", "answer": name, "field": "name", "kind": "field"},
        {"question": "What is the most recent role?", "answer": jobs[0]["role"], "field": "experience.0.role", "kind": "field"},
        {"question": "Which company is listed first under experience?", "answer": jobs[0]["company"], "field": "experience.0.company", "kind": "field"},
        {"question": "How many positions are listed?", "answer": _n(w, len(jobs)), "kind": "computed"},
        {"question": "What is the email address?", "answer": fields["contact"]["email"], "field": "contact.email", "kind": "field"},
        {"question": "How many skills are listed?", "answer": _n(w, len(skills)), "kind": "computed"},
    ]
    view = {"labels": {k: L[k] for k in ("profile", "experience", "education", "skills", "languages", "phone", "email", "address")}}
    return Content(fields, view, {}, qa)


def letter(w: DocWriter, room: Room, style: dict[str, Any]) -> Content:
    L, loc, r = w.L, w.loc, w.r
    sender = {"name": w.person(), "company": w.company(), "address": w.address()}
    if r.random() < 0.3:
        sender.pop("company")
    recipient = {"name": w.person(), "company": w.company(), "address": w.address()}
    if r.random() < 0.4:
        recipient.pop("company")
    sentences = max(3, min(room.lines // 2, r.randint(6, 16)))
    paragraphs = []
    while sentences > 0:
        k = min(sentences, r.randint(2, 4))
        paragraphs.append(w.paragraph(k))
        sentences -= k
    fields = {
        "sender": sender,
        "date": loc.date(w.day(), "long" if style["date_style"] in ("long", "medium") else style["date_style"]),
        "recipient": recipient,
        "subject": w.title(3, 8),
        "salutation": L["dear"].format(recipient["name"]),
        "body": paragraphs,
        "closing": L["closing"],
        "signature": sender["name"],
    }
    qa = [
        {"question": "Who wrote the letter?", "answer": sender["name"], "field": "sender.name", "kind": "field"},
        {"question": "Who is the letter addressed to?", "answer": recipient["name"], "field": "recipient.name", "kind": "field"},
        {"question": "What is the subject of the letter?", "answer": fields["subject"], "field": "subject", "kind": "field"},
        {"question": "What is the date of the letter?", "answer": fields["date"], "field": "date", "kind": "field"},
        {"question": "How many paragraphs does the body have?", "answer": _n(w, len(paragraphs)), "kind": "computed"},
    ]
    view = {"mark": _mark(w, style["accent"]), "subject_label": L["subject"]}
    return Content(fields, view, {}, qa)


def paper(w: DocWriter, room: Room, style: dict[str, Any], figure: dict[str, Any]) -> Content:
    L, loc, r = w.L, w.loc, w.r
    n_authors = r.randint(1, 5)
    n_affil = r.randint(1, min(3, n_authors))
    affiliations = [f"{w.company()}, {w.city()}" for _ in range(n_affil)]
    authors = [{"name": w.person(), "affiliation": _n(w, 1 + (i % n_affil))} for i in range(n_authors)]
    sections = []
    n_eq = r.randint(1, 2)
    equations = []
    for i in range(n_eq):
        latex, mathml = equation(r)
        equations.append({"label": f"({_n(w, i + 1)})", "latex": latex, "mathml": mathml})
    title = w.title(6, 12)
    abstract = w.paragraph(r.randint(3, 5))
    # What is left for the two columns, in column lines: the sheet minus title, authors,
    # affiliations, abstract and keywords (full width), then minus the figure, table and equations.
    full_cpl = max(30, room.chars_per_line)
    head = 2 * (len(title) * 1.7 // full_cpl + 1) + 2 + n_affil + (len(abstract) * 0.95 // (full_cpl - 8) + 1) + 4
    column_px = (room.width_px - 22) / 2
    col_cpl = max(16, int(full_cpl * column_px / room.width_px) - 1)
    figure_lines = column_px * figure["height"] / figure["width"] / room.line_px + 3
    budget = 2 * (room.lines - head) - figure_lines - 10 - 3 * n_eq  # table: caption, header, rows
    budget *= 0.85  # the estimate is rough: leave a margin rather than overflow
    keys = list(SECTION_KEYS)
    per_section = max(3, int(budget // len(keys)))
    for number, key in enumerate(keys, start=1):
        paragraphs = []
        lines = 2  # the heading and its space
        while True:
            text = w.paragraph(r.randint(2, 4))
            need = len(text) // col_cpl + 1.5
            if lines + need > per_section:
                break
            paragraphs.append(text)
            lines += need
        if not paragraphs:
            paragraphs.append(w.sentence(6, 10))
        sections.append({"heading": f"{_n(w, number)} {L[key]}", "paragraphs": paragraphs})
    metrics = [w.words(1, 1) for _ in range(r.randint(2, 3))]
    decimals = r.choice((1, 1, 2))
    rows = []
    for _ in range(r.randint(3, 5)):
        method = f"{w.fake.lexify('???').upper()}-{r.choice(('Net', 'Base', 'Large', 'Lite', 'v2', 'XL'))}"
        rows.append([method] + [loc.fixed(Decimal(str(round(r.uniform(10, 99), decimals))), decimals) for _ in metrics])
    table = {
        "label": f"{L['table']} {_n(w, 1)}",
        "caption": w.sentence(5, 10),
        "header": [w.words(1, 1)] + metrics,
        "rows": rows,
    }
    fields: dict[str, Any] = {
        "title": title,
        "authors": authors,
        "affiliations": affiliations,
        "abstract": abstract,
        "keywords": [w.words(1, 2) for _ in range(r.randint(3, 5))],
        "sections": sections,
        "figure": {"label": f"{L['figure']} {_n(w, 1)}", "caption": w.sentence(6, 14)},
        "table": table,
        "equations": [{"label": e["label"], "latex": e["latex"]} for e in equations],
    }
    qa = [
        {"question": "What is the title of the paper?", "answer": fields["title"], "field": "title", "kind": "field"},
        {"question": "Who is the first author?", "answer": authors[0]["name"], "field": "authors.0.name", "kind": "field"},
        {"question": "How many authors does the paper have?", "answer": _n(w, n_authors), "kind": "computed"},
        {"question": "How many sections does the paper have?", "answer": _n(w, len(sections)), "kind": "computed"},
        {"question": "What is the heading of the second section?", "answer": sections[1]["heading"], "field": "sections.1.heading", "kind": "field"},
        {"question": "How many rows does the table have, not counting the header?", "answer": _n(w, len(rows)), "kind": "computed"},
    ]
    k = r.randrange(len(rows))
    j = r.randrange(1, len(metrics) + 1)
    qa.append({"question": f"In the table, what is the {plain(table['header'][j])} of {rows[k][0]}?", "answer": rows[k][j],
               "field": f"table.rows.{k}.{j}", "kind": "field"})
    view = {"abstract_label": L["abstract"], "keywords_label": L["keywords"], "figure": figure,
            "mathml": [e["mathml"] for e in equations]}
    return Content(fields, view, {}, qa)


BUILDERS = {
    "invoice": invoice, "receipt": receipt, "purchase_order": purchase_order, "statement": statement, "form": form,
    "resume": resume, "letter": letter,
}
