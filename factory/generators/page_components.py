"""What each page component says and shows, and which components make up each archetype.

Builders return the data a component template needs (text from the page's Writer, pictures from
its PictureBox); archetypes arrange components into slots of a layout template. Counts shrink on
narrow viewports, as a real responsive page would, so mobile pages stay within the capture height.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from factory.generators.page_assets import ICONS, PictureBox, slug
from factory.generators.page_text import UI_EN_FIXED, Writer

COMPONENT_KINDS = (
    "navbar", "hero", "logos", "features", "stats", "cards", "testimonials", "pricing", "faq", "cta",
    "form", "data_table", "article", "sidebar", "footer", "gallery", "product_detail",
)
ARCHETYPES = ("landing", "blog_post", "product", "dashboard", "documentation", "sign_in", "pricing", "portfolio")

APP_NAV_EN = ("Dashboard", "Orders", "Customers", "Products", "Reports", "Analytics", "Invoices", "Team",
              "Messages", "Settings", "Integrations", "Billing")
PLAN_NAMES_EN = ("Free", "Starter", "Pro", "Team", "Business", "Enterprise")
SIZES = ("XS", "S", "M", "L", "XL")
CODE_WORDS = ("users", "orders", "events", "reports", "files", "tasks", "projects", "invoices", "messages")
LOGO_SHAPES = ("circle", "square", "triangle", "hexagon")


def _cell(text: str, badge_tone: str = "") -> dict[str, Any]:
    return {"text": text, "badge": bool(badge_tone), "tone": badge_tone}


@dataclass
class Component:
    kind: str
    data: dict[str, Any]
    variant: str = ""

    def summary(self, slot: str) -> dict[str, Any]:
        return {"kind": self.kind, "slot": slot, "variant": self.variant}


@dataclass
class Composition:
    archetype: str
    slots: dict[str, list[Component]]
    layout: dict[str, Any] = field(default_factory=dict)
    title: str = ""


class Composer:
    """Builds one page's components; all choices come from `r` (structure) and `w` (text)."""

    def __init__(self, r: random.Random, w: Writer, pics: PictureBox, theme: dict, viewport: str):
        self.r, self.w, self.pics, self.theme, self.viewport = r, w, pics, theme, viewport
        self.narrow = viewport == "mobile"
        if r.random() < 0.5:
            self.brand = w.company()
        else:
            self.brand = w.label(1, 1) + (r.choice(("ly", "io", " Labs", " Cloud", "ify", " HQ")) if w.english else "")
        if w.script.name != "Latin" and r.random() < 0.4:  # a Latin brand in other scripts: mixed-direction runs
            self.brand = w.latin_brand()
        self.domain = (slug(self.brand, "example").replace("_", "") or "example") + ".com"
        self.mark = self.logo_mark(theme["colors"]["primary"], theme["colors"]["accent"])

    # --- helpers -------------------------------------------------------------------------
    def count(self, wide: tuple[int, int], narrow: tuple[int, int]) -> int:
        lo, hi = narrow if self.narrow else wide
        return self.r.randint(lo, hi)

    def columns(self, choices: tuple[int, ...]) -> int:
        if self.narrow:
            return min(2, self.r.choice(choices))
        return self.r.choice(choices)

    def logo_mark(self, color: str, inner: str | None = None) -> dict[str, Any]:
        return {
            "shape": self.r.choice(LOGO_SHAPES),
            "color": color,
            "inner": inner or self.theme["colors"]["surface"],
            "rx": self.r.choice((4, 8, 13)),
        }

    def photo(self, kinds: tuple[str, ...], width: int, aspect: str, alt: str | None = None):
        return self.pics.photo(self.r.choice(kinds), alt if alt is not None else self.w.heading(2, 5), width, aspect)

    # --- components ----------------------------------------------------------------------
    def navbar(self) -> Component:
        w, r = self.w, self.r
        labels = w.ui_list("nav", r.randint(3, 6))
        active = r.randrange(len(labels) + 1)
        links = [{"label": t, "slug": slug(t, f"section-{i}").replace("_", "-"), "active": i == active} for i, t in enumerate(labels)]
        has_cta = r.random() < 0.8
        data = {
            "brand": self.brand,
            "mark": self.mark,
            "links": links,
            "cta": w.ui("primary") if has_cta else "",
            "login": w.ui("login") if has_cta and r.random() < 0.5 else "",
            "menu_label": w.ui("menu"),
            "variant": self.theme["nav_variant"],
        }
        return Component("navbar", data, data["variant"])

    def hero(self, variant: str | None = None, person: str | None = None) -> Component:
        w, r = self.w, self.r
        variant = variant or r.choice(("centered", "split", "split"))
        image = None
        if variant == "split":
            if person:
                image = self.pics.photo("portrait", person, 480, r.choice(("square", "tall")))
            else:
                image = self.photo(("landscape", "abstract", "skyline", "product"), 560, r.choice(("landscape", "square", "wide")))
        if person:
            title = f"Hi, I'm {person}" if w.english else person
            lead = f"{w.job()}. {w.sentence(10, 20)}" if w.english else w.sentence(10, 20)
        else:
            title, lead = w.phrase(), w.sentence(12, 24)
        data = {
            "variant": variant,
            "eyebrow": w.label(1, 3) if r.random() < 0.5 else "",
            "title": title,
            "lead": lead,
            "primary": "" if variant == "compact" else w.ui("primary"),
            "secondary": w.ui("secondary") if variant != "compact" and r.random() < 0.6 else "",
            "note": w.sentence(4, 8) if variant != "compact" and r.random() < 0.3 else "",
            "image": image,
        }
        return Component("hero", data, variant)

    def logos(self) -> Component:
        n = self.count((4, 6), (3, 4))
        companies = [{"name": name, "mark": self.logo_mark(self.theme["colors"]["muted"])} for name in self.w.companies(n)]
        return Component("logos", {"caption": self.w.ui("trusted"), "companies": companies})

    def features(self, title: str | None = None) -> Component:
        w, r = self.w, self.r
        columns = self.columns((2, 3, 3, 4))
        rows = 1 if self.narrow else r.randint(1, 2)
        icons = r.sample(sorted(ICONS), min(len(ICONS), columns * rows))
        items = [{"icon": icon, "title": w.heading(2, 4), "text": w.sentence(8, 18)} for icon in icons]
        data = {
            "eyebrow": w.label(1, 2) if r.random() < 0.4 else "",
            "title": title or w.phrase(),
            "lead": w.sentence(10, 20) if r.random() < 0.7 else "",
            "columns": columns,
            "items": items,
            "boxed": r.random() < 0.5,
            "alt": r.random() < 0.3,
        }
        return Component("features", data, f"{columns}col")

    def stats(self, in_app: bool = False) -> Component:
        w, r = self.w, self.r
        items = []
        for _ in range(self.count((3, 4), (2, 4))):
            kind = r.choice(("money", "percent", "count", "time"))
            if kind == "money":
                value = w.money(1_000, 250_000)
            elif kind == "percent":
                value = f"{r.uniform(10, 99.9):.1f}%"
            elif kind == "count":
                value = f"{r.randint(120, 98_000):,}"
            else:
                value = f"{r.uniform(0.2, 9.9):.1f}s" if r.random() < 0.5 else f"{r.randint(2, 59)} min"
            up = r.random() < 0.65
            delta = f"{'+' if up else '-'}{r.uniform(0.5, 24):.1f}%" if in_app or r.random() < 0.3 else ""
            items.append({"label": w.label(1, 3), "value": value, "delta": delta, "trend": "up" if up else "down"})
        data = {"title": "" if in_app or r.random() < 0.5 else w.phrase(), "items": items, "in_app": in_app}
        return Component("stats", data, "app" if in_app else "section")

    def cards(self, variant: str | None = None, title: str | None = None) -> Component:
        w, r = self.w, self.r
        variant = variant or r.choice(("blog", "project", "product"))
        columns = self.columns((2, 3, 3, 4))
        n = columns * (1 if self.narrow or r.random() < 0.6 else 2)
        n = min(n, 3) if self.narrow else n
        kinds = {"blog": ("landscape", "abstract", "skyline"), "project": ("abstract", "skyline", "landscape"), "product": ("product",)}[variant]
        items = []
        for _ in range(n):
            item = {
                "image": self.photo(kinds, 360, "landscape") if r.random() < 0.85 else None,
                "tag": w.label(1, 1) if variant != "product" and r.random() < 0.6 else "",
                "title": w.heading(3, 7) if variant == "blog" else w.heading(2, 4),
                "text": w.sentence(8, 16),
                "meta": "",
                "price": "",
            }
            if variant == "blog":
                item["meta"] = w.date()
            elif variant == "product":
                item["price"] = w.money(9, 400, 2)
            items.append(item)
        if title is None:
            title = w.ui("related") if variant == "product" and w.english else w.phrase()
        data = {"title": title, "lead": w.sentence(8, 16) if r.random() < 0.5 else "", "columns": columns,
                "items": items, "alt": r.random() < 0.3, "anchor": variant}
        return Component("cards", data, variant)

    def testimonials(self, ratings: bool | None = None) -> Component:
        w, r = self.w, self.r
        ratings = r.random() < 0.4 if ratings is None else ratings
        avatars = r.random() < 0.8
        items = []
        for name in w.people(self.count((2, 3), (1, 2))):
            rating = r.choice((3, 4, 4, 5, 5, 5))
            items.append({
                "quote": w.sentence(12, 30),
                "name": name,
                "role": f"{w.job()}, {w.company()}" if r.random() < 0.7 else w.city(),
                "avatar": self.pics.avatar(name, 48) if avatars else None,
                "rating": rating if ratings else 0,
                "rating_label": f"{rating} / 5",
            })
        title = w.ui("testimonials") if w.english and r.random() < 0.5 else w.phrase()
        data = {"title": title, "lead": w.sentence(8, 14) if r.random() < 0.3 else "", "items": items, "alt": r.random() < 0.4}
        return Component("testimonials", data, "rated" if ratings else "plain")

    def pricing(self) -> Component:
        w, r = self.w, self.r
        n = r.randint(2, 3) if self.narrow else r.randint(2, 4)
        names = r.sample(PLAN_NAMES_EN, n) if w.english else w.words(n)
        names.sort(key=lambda x: PLAN_NAMES_EN.index(x) if x in PLAN_NAMES_EN else 0)
        featured = r.randrange(n) if r.random() < 0.8 else -1
        period = w.ui("per_month") if w.english else "/ " + w.label(1, 1)
        price = r.choice((0, 9, 12, 15, 19))
        if w.english:  # a plan called Free costs nothing, and only that plan is shown as free
            price = 0 if names[0] == "Free" else max(price, 9)
        plans = []
        for i, name in enumerate(names):
            plans.append({
                "name": name,
                "price": w.money(price, price) if price else ("Free" if w.english else w.money(0, 0)),
                "period": period,
                "description": w.sentence(6, 12),
                "features": [w.heading(2, 5) for _ in range(r.randint(3, 6))],
                "featured": i == featured,
                "badge": w.ui("badge"),
                "cta": w.ui("primary"),
            })
            price = max(price * 2, 9) + r.choice((0, 10, 20))
        data = {"title": w.phrase(), "lead": w.sentence(8, 18) if r.random() < 0.7 else "", "plans": plans, "alt": r.random() < 0.3}
        return Component("pricing", data, f"{n}plans")

    def faq(self) -> Component:
        w, r = self.w, self.r
        items = []
        for _ in range(self.count((4, 7), (3, 4))):
            question = w.heading(4, 9) + w.question_mark
            # Every item open: Chromium hides a closed <details> body with content-visibility,
            # which the DOM facts cannot see, so a closed answer would be in the target unseen.
            items.append({"question": question, "answer": w.sentence(12, 30), "open": True})
        title = w.ui("faq") if w.english and r.random() < 0.6 else w.phrase()
        return Component("faq", {"title": title, "lead": "", "items": items, "alt": r.random() < 0.3})

    def cta(self, newsletter: bool | None = None) -> Component:
        w, r = self.w, self.r
        newsletter = r.random() < 0.4 if newsletter is None else newsletter
        variant = r.choice(("band", "card"))
        data = {
            "variant": variant,
            "title": w.ui("newsletter") if newsletter and w.english and r.random() < 0.5 else w.phrase(),
            "text": w.sentence(8, 18),
            "newsletter": newsletter,
            "placeholder": f"you@{self.domain}",
            "email_label": w.ui("email"),
            "button": w.ui("subscribe") if newsletter else w.ui("primary"),
        }
        return Component("cta", data, variant + ("_newsletter" if newsletter else ""))

    def _field(self, key: str, ftype: str, half: bool = False, placeholder: str = "", options: list[str] | None = None) -> dict:
        label = self.w.ui(key) if key in UI_EN_FIXED else self.w.label(1, 2)
        return {"id": f"field-{key.replace('_', '-')}", "name": key, "label": label, "type": ftype, "half": half, "placeholder": placeholder, "value": "", "options": options or [], "checked": False}

    def form(self, variant: str | None = None) -> Component:
        w, r = self.w, self.r
        variant = variant or r.choice(("contact", "signup"))
        person = w.person()
        email_ph = w.email(person, self.domain)
        fields: list[dict] = []
        secondary = footnote = footnote_link = ""
        intro = w.sentence(8, 16) if r.random() < 0.7 else ""
        if variant == "signin":
            fields = [self._field("email", "email", placeholder=email_ph), self._field("password", "password", placeholder="••••••••")]
            if r.random() < 0.6:
                fields.append(self._field("remember", "checkbox"))
            submit = w.ui("signin_submit")
            secondary = w.ui("forgot")
            footnote, footnote_link = w.ui("no_account"), w.ui("sign_up")
            title = w.ui("login") if w.english and r.random() < 0.5 else w.phrase()
        elif variant == "signup":
            if r.random() < 0.5:
                fields += [self._field("first_name", "text", True, person.split(" ")[0]), self._field("last_name", "text", True, person.split(" ")[-1])]
            else:
                fields.append(self._field("name", "text", placeholder=person))
            fields.append(self._field("email", "email", placeholder=email_ph))
            if r.random() < 0.5:
                fields.append(self._field("company", "text", placeholder=w.company()))
            fields.append(self._field("password", "password", placeholder="••••••••"))
            fields.append({**self._field("terms", "checkbox"), "label": w.sentence(4, 9)})
            submit = w.ui("primary")
            title = w.phrase()
        elif variant == "filters":
            statuses = [w.status()[0] for _ in range(3)]
            fields = [self._field("search", "search", True, w.label(1, 2)), self._field("status", "select", True, options=list(dict.fromkeys(statuses))),
                      self._field("date", "date", True), self._field("country", "select", True, options=[w.city() for _ in range(3)])]
            submit = w.ui("save")
            title = w.label(1, 3)
            intro = ""
        else:  # contact
            fields = [self._field("name", "text", True, person), self._field("email", "email", True, email_ph)]
            if r.random() < 0.5:
                fields.append(self._field("subject", "select", options=[w.heading(2, 4) for _ in range(3)]))
            if r.random() < 0.4:
                fields.append(self._field("phone", "tel", placeholder=w.fake.numerify("+1 ### ### ####")))
            fields.append(self._field("message", "textarea", placeholder=w.sentence(4, 8)))
            if r.random() < 0.5:
                fields.append({**self._field("consent", "checkbox"), "label": w.sentence(5, 10)})
            submit = w.ui("send")
            title = w.phrase()
        data = {"variant": variant, "eyebrow": w.label(1, 2) if variant == "contact" and r.random() < 0.4 else "",
                "title": title, "intro": intro, "fields": fields, "submit": submit, "secondary": secondary,
                "footnote": footnote, "footnote_link": footnote_link, "anchor": variant}
        return Component("form", data, variant)

    def data_table(self, variant: str | None = None) -> Component:
        w, r = self.w, self.r
        variant = variant or "transactions"
        n = self.count((4, 8), (3, 5))
        if variant == "reference":
            labels = ["Name", "Type", "Default", "Description"] if w.english else w.words(4)
            columns = [{"label": label, "numeric": False} for label in labels]
            types = ("string", "integer", "boolean", "number", "array")
            rows = []
            for word in w.fake.words(n, ext_word_list=CODE_WORDS + ("limit", "offset", "timeout", "retries", "region", "verbose"), unique=True):
                t = r.choice(types)
                default = {"string": '"auto"', "integer": str(r.choice((0, 10, 100))), "boolean": r.choice(("true", "false")),
                           "number": f"{r.uniform(0, 5):.1f}", "array": "[]"}[t]
                rows.append([_cell(word), _cell(t), _cell(default), _cell(w.sentence(5, 10))])
            if self.narrow:
                columns, rows = columns[:2] + columns[3:], [row[:2] + row[3:] for row in rows]
            title = w.heading(1, 3)
        else:
            labels = [w.ui("customer"), w.ui("date"), w.ui("status"), w.ui("amount")] if w.english else w.words(4)
            columns = [{"label": labels[0], "numeric": False}, {"label": labels[1], "numeric": False},
                       {"label": labels[2], "numeric": False}, {"label": labels[3], "numeric": True}]
            rows = []
            for person in w.people(n):
                status, tone = w.status()
                rows.append([_cell(person), _cell(w.date(2024, 2025)), _cell(status, tone), _cell(w.money(10, 5000, 2))])
            if self.narrow:
                columns, rows = [columns[0], columns[3]], [[row[0], row[3]] for row in rows]
            title = w.label(1, 3)
        data = {"title": title, "columns": columns, "rows": rows, "anchor": variant,
                "action": w.ui("view_all") if r.random() < 0.6 else "", "caption": w.sentence(5, 10) if r.random() < 0.2 else ""}
        return Component("data_table", data, variant)

    def _code(self) -> str:
        r = self.r
        name = slug(self.brand, "sdk").replace("_", "-")
        ident = name.replace("-", "_")
        word, other = r.sample(CODE_WORDS, 2)
        choice = r.randrange(3)
        if choice == 0:
            return f"$ npm install @{name}/client\n$ npx {name} init --{word}"
        if choice == 1:
            return (f"import {ident}\n\nclient = {ident}.Client(api_key=\"YOUR_API_KEY\")\n"
                    f"{word} = client.{word}.list(limit={r.choice((10, 25, 50))})\nfor item in {word}:\n    print(item.id, item.{other[:-1]})")
        return "{\n" + f'  "{word}": {{\n    "enabled": true,\n    "retries": {r.randint(1, 5)}\n  }},\n  "region": "eu-west-1"\n' + "}"

    def article(self, variant: str = "blog") -> Component:
        w, r = self.w, self.r
        blocks: list[dict] = []
        n_sections = self.count((2, 4), (1, 3))
        for s in range(n_sections):
            heading = w.heading(2, 6)
            blocks.append({"type": "h2", "text": heading, "anchor": slug(heading, f"section-{s + 1}").replace("_", "-")})
            for _ in range(r.randint(1, 2)):
                blocks.append({"type": "p", "text": w.paragraph(2, 4)})
            extra = r.choice(("ul", "ol", "quote", "figure", "h3", "none") if variant == "blog" else ("code", "code", "note", "ul", "ol", "h3"))
            if extra in ("ul", "ol"):
                blocks.append({"type": extra, "items": [w.sentence(4, 10) for _ in range(r.randint(3, 5))]})
            elif extra == "quote":
                blocks.append({"type": "quote", "text": w.sentence(10, 20)})
            elif extra == "figure" and not self.narrow:
                blocks.append({"type": "figure", "image": self.photo(("landscape", "skyline", "abstract"), 720, "wide"), "caption": w.sentence(4, 10)})
            elif extra == "h3":
                blocks.append({"type": "h3", "text": w.heading(2, 5)})
                blocks.append({"type": "p", "text": w.paragraph(1, 3)})
            elif extra == "code":
                blocks.append({"type": "code", "text": self._code()})
            elif extra == "note":
                blocks.append({"type": "note", "label": w.ui(r.choice(("note", "tip"))), "text": w.sentence(8, 18)})
        data = {
            "variant": variant,
            "breadcrumbs": [w.label(1, 2) for _ in range(r.randint(2, 3))] if variant == "docs" else [],
            "category": w.label(1, 2) if variant == "blog" and r.random() < 0.7 else "",
            "title": w.heading(4, 9),
            "lead": w.sentence(12, 24) if r.random() < 0.8 else "",
            "byline": {"author": w.person(), "date": w.date(), "reading": f"{r.randint(3, 14)} {w.ui('min_read')}"} if variant == "blog" else None,
            "cover": self.photo(("landscape", "skyline", "abstract"), 760, "wide") if variant == "blog" and r.random() < 0.6 else None,
            "blocks": blocks,
            "tags": w.words(r.randint(2, 5)) if variant == "blog" and r.random() < 0.6 else [],
        }
        return Component("article", data, variant)

    def sidebar(self, variant: str) -> Component:
        w, r = self.w, self.r
        data: dict[str, Any] = {"variant": variant, "brand": "", "mark": self.mark, "profile": None, "groups": [], "tags": [], "tags_title": ""}
        if variant == "app":
            data["brand"] = self.brand
            names = list(APP_NAV_EN[:1]) + r.sample(APP_NAV_EN[1:-1], r.randint(3, 6)) + ["Settings"] if w.english else w.words(r.randint(4, 7))
            icons = sorted(ICONS)
            links = [{"label": name, "icon": r.choice(icons), "active": i == 0, "count": str(r.randint(1, 40)) if r.random() < 0.2 else ""}
                     for i, name in enumerate(names)]
            data["groups"] = [{"title": w.ui("workspace"), "links": links}]
        elif variant == "docs":
            for g in range(r.randint(2, 4)):
                links = [{"label": w.heading(1, 3), "icon": "", "active": False, "count": ""} for _ in range(r.randint(3, 6))]
                data["groups"].append({"title": w.label(1, 2), "links": links})
            data["groups"][0]["links"][r.randrange(len(data["groups"][0]["links"]))]["active"] = True
        else:  # blog
            if r.random() < 0.7:
                name = w.person()
                data["profile"] = {"name": name, "bio": w.sentence(10, 20), "avatar": self.pics.avatar(name, 72)}
            cats = [{"label": word, "icon": "", "active": False, "count": str(r.randint(2, 60))} for word in w.words(r.randint(3, 6))]
            data["groups"].append({"title": w.ui("categories"), "links": cats})
            if r.random() < 0.6:
                recent = [{"label": w.heading(3, 7), "icon": "", "active": False, "count": ""} for _ in range(r.randint(2, 4))]
                data["groups"].append({"title": w.ui("recent"), "links": recent})
            if r.random() < 0.5:
                data["tags"], data["tags_title"] = w.words(r.randint(4, 8)), w.ui("tags")
        return Component("sidebar", data, variant)

    def footer(self, variant: str | None = None) -> Component:
        w, r = self.w, self.r
        variant = variant or r.choice(("columns", "columns", "simple"))
        columns = []
        if variant == "columns":
            for _ in range(self.theme["footer_columns"]):
                columns.append({"title": w.label(1, 2), "links": w.ui_list("nav", r.randint(3, 5)) if r.random() < 0.5 else w.words(r.randint(3, 5))})
        year = r.randint(2019, 2025)
        rights = w.ui("all_rights") if w.english else w.sentence(3, 5)
        data = {
            "variant": variant,
            "brand": self.brand,
            "mark": self.mark,
            "text": w.sentence(8, 18),
            "columns": columns,
            "copyright": f"© {year} {self.brand}. {rights}",
            "legal": [w.ui(k) for k in ("privacy", "terms", "cookies")][: r.randint(0, 3)],
        }
        return Component("footer", data, variant)

    def gallery(self) -> Component:
        w, r = self.w, self.r
        columns = self.columns((2, 3, 3, 4))
        n = columns * r.randint(1, 2)
        captions = r.random() < 0.6
        aspect = {"1 / 1": "square", "4 / 3": "landscape", "3 / 2": "landscape"}[self.theme["gallery_aspect"]]
        items = [{"image": self.photo(("landscape", "skyline", "abstract", "product"), 400, aspect),
                  "caption": w.heading(2, 4) if captions else ""} for _ in range(n)]
        title = w.ui("gallery") if w.english and r.random() < 0.5 else w.phrase()
        return Component("gallery", {"title": title, "lead": w.sentence(6, 14) if r.random() < 0.5 else "", "columns": columns,
                                     "items": items, "alt": r.random() < 0.3}, f"{columns}col")

    def product_detail(self) -> Component:
        w, r = self.w, self.r
        name = w.heading(2, 4)
        sizes = r.random() < 0.5
        options = list(SIZES[r.randint(0, 1): r.randint(3, 5)]) if sizes else w.words(r.randint(2, 4))
        if not sizes and w.english:
            options = list(dict.fromkeys(w.fake.color_name() for _ in range(r.randint(2, 4))))
        perks = [{"icon": icon, "text": w.ui(key) if w.english else w.sentence(3, 6)}
                 for icon, key in zip(("cloud", "check", "shield"), ("free_shipping", "returns", "warranty"))][: r.randint(1, 3)]
        data = {
            "image": self.pics.photo("product", name, 560, "square"),
            "thumbs": [self.pics.photo("product", name, 120, "square") for _ in range(r.randint(3, 4))],
            "breadcrumbs": [w.label(1, 2) for _ in range(r.randint(2, 3))],
            "name": name,
            "rating": r.randint(3, 5),
            "reviews": f"{r.randint(3, 900)} {w.ui('reviews')}",
            "price": w.money(12, 600, 2),
            "old_price": w.money(600, 900, 2) if r.random() < 0.3 else "",
            "description": w.paragraph(2, 3),
            "option_label": w.ui("size" if sizes else "colour"),
            "options": options,
            "quantity_label": w.ui("quantity"),
            "button": w.ui("buy"),
            "perks": perks,
        }
        return Component("product_detail", data, "sizes" if sizes else "colours")

    # --- archetypes ----------------------------------------------------------------------
    def optional(self, builders: list, limit: int) -> list[Component]:
        """A random subset (in page order) of optional sections, at most `limit`."""
        k = self.r.randint(min(1, limit), max(1, min(limit, len(builders))))
        chosen = sorted(self.r.sample(range(len(builders)), k))
        return [builders[i]() for i in chosen]

    def compose(self, archetype: str, max_sections: int) -> Composition:
        # Narrow viewports stack everything in one column: fewer sections keep pages in the capture.
        # Tablets get one fewer than phones: with as many, 9 of 56 tablet pages ran past the 4000 px
        # capture and were dropped, against 5 of 56 now (phones: 2 of 37, desktops: 2 of 57).
        limit = {"desktop": max_sections, "tablet": max(1, max_sections - 3), "mobile": max(1, min(3, max_sections - 2))}[self.viewport]
        return getattr(self, f"_{archetype}")(limit)

    def _landing(self, limit: int) -> Composition:
        r = self.r
        main = [self.hero()]
        main += self.optional([self.logos, self.features, self.stats, self.cards, self.testimonials, self.pricing, self.faq, self.gallery], limit)
        if r.random() < 0.85:
            main.append(self.cta())
        return Composition("landing", {"header": [self.navbar()], "main": main, "footer": [self.footer()]}, title=main[0].data["title"])

    def _pricing(self, limit: int) -> Composition:
        hero = self.hero("compact")
        main = [hero, self.pricing()]
        main += self.optional([self.logos, self.testimonials, self.faq, self.stats], max(1, limit - 1))
        if self.r.random() < 0.7:
            main.append(self.cta())
        return Composition("pricing", {"header": [self.navbar()], "main": main, "footer": [self.footer()]}, title=hero.data["title"])

    def _portfolio(self, limit: int) -> Composition:
        person = self.w.person()
        self.brand = person
        main = [self.hero("split" if self.r.random() < 0.7 else "centered", person=person), self.gallery()]
        main += self.optional([lambda: self.cards("project"), self.testimonials, self.stats], max(1, limit - 3))
        main.append(self.form("contact"))
        return Composition("portfolio", {"header": [self.navbar()], "main": main, "footer": [self.footer("simple")]}, title=person)

    def _product(self, limit: int) -> Composition:
        detail = self.product_detail()
        main = [detail]
        main += self.optional([self.features, lambda: self.testimonials(ratings=True), lambda: self.cards("product"), self.faq], limit - 1)
        return Composition("product", {"header": [self.navbar()], "main": main, "footer": [self.footer()]}, title=detail.data["name"])

    def _blog_post(self, limit: int) -> Composition:
        article = self.article("blog")
        slots = {"header": [self.navbar()], "main": [article], "aside": [self.sidebar("blog")], "after": [], "footer": [self.footer()]}
        if self.r.random() < 0.5 and limit > 1:
            slots["after"].append(self.cta(newsletter=True))
        return Composition("blog_post", slots, {"side": self.r.choice(("right", "right", "left"))}, title=article.data["title"])

    def _documentation(self, limit: int) -> Composition:
        article = self.article("docs")
        main = [article]
        if self.r.random() < 0.4 and limit > 1:
            main.append(self.data_table("reference"))
        slots = {"header": [self.navbar()], "aside": [self.sidebar("docs")], "main": main, "footer": [self.footer("simple")]}
        return Composition("documentation", slots, title=article.data["title"])

    def _dashboard(self, limit: int) -> Composition:
        w = self.w
        main = [self.stats(in_app=True), self.data_table("transactions")]
        if limit > 2 and self.r.random() < 0.5:
            main.insert(1, self.form("filters"))
        user = w.person()
        layout = {"title": w.ui("dashboard") if w.english else w.label(1, 2), "search": w.ui("search"),
                  "user": user, "avatar": self.pics.avatar(user, 36)}
        return Composition("dashboard", {"aside": [self.sidebar("app")], "main": main}, layout, title=layout["title"])

    def _sign_in(self, limit: int) -> Composition:
        r, w = self.r, self.w
        form = self.form("signin" if r.random() < 0.7 else "signup")
        image = None
        if self.viewport == "desktop" and r.random() < 0.5:
            image = self.photo(("abstract", "landscape", "skyline"), 480, "landscape")
        layout = {"brand": self.brand, "legal": w.sentence(6, 12), "image": image, "quote": w.sentence(10, 20), "quote_author": w.person()}
        return Composition("sign_in", {"main": [form]}, layout, title=form.data["title"])
