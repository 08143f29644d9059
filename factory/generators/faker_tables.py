"""Generated tables: Faker labels, measures with units, trends and seasonality.

Values are stored already rounded to their column's decimals, so the drawn labels, the DePlot
table and the QA answers all print the same text. Magnitudes are scaled into the header
("Revenue (USD bn)") so no formatted number is longer than 8 characters.

Countries and cities are real (CLDR names through Babel, `factory.generators.places`): Faker
invents towns. Speed: Faker's weighted draws cost 0.1-0.2 ms each (a company name 0.23 ms), too
slow to call per row. Each TableSource therefore draws its label pools (companies, people) once,
from its own Faker instance seeded with a fixed per-pool seed, and every table picks from those
pools with the sample's numpy rng. The pools depend only on locale and Faker version, so tables
stay a pure function of (options, seed); the sample's `seed` reseeds the Faker instance before
each table, so any later direct Faker use stays deterministic too.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from factory.errors import Dropped
from factory.generators import places
from factory.generators.table_request import (
    _MONTHS_LONG,
    _MONTHS_SHORT,
    LABEL_KINDS,
    MAX_CHARS,
    TIME_KINDS,
    TableOptions,
    TableRequest,
    header,
    lower_first,
)
from factory.generators.table_vocab import (
    _BRANDS,
    _CURRENCIES,
    _MODELS,
    _SCALES,
    _SERIES_TITLE,
    CATEGORY_DOMAINS,
    MEASURES,
    PRODUCT_DOMAINS,
    SCATTER_PAIRS,
    SERIES_ENTITIES,
    SHARE_MEASURES,
    Domain,
    Measure,
)
from factory.tabular import Column, Table, format_value

_KIND_WEIGHTS = {
    "years": 0.16, "quarters": 0.08, "months": 0.10, "dates": 0.06, "countries": 0.14,
    "cities": 0.08, "companies": 0.10, "products": 0.10, "people": 0.06, "categories": 0.12,
}  # fmt: skip

_POOL_SEEDS = {"companies": 103, "people": 104}
_POOL_SIZE = {"companies": 500, "people": 500}
_TRENDS = ("up", "down", "flat", "peak", "dip", "random_walk")
_TREND_P = (0.3, 0.15, 0.12, 0.1, 0.08, 0.25)
_PERIODS = {"months": 12, "quarters": 4}
_FREQ_WORD = {"years": "Annual", "quarters": "Quarterly", "months": "Monthly"}
_LABEL_TITLE = {"countries": "country", "cities": "city", "companies": "company", "people": "person"}


class FakerLabels:
    """One locale's Faker and its label pools, drawn once with fixed seeds (see module docstring)."""

    def __init__(self, options: TableOptions):
        self.options = options
        self._faker: Any = None
        self._pools: dict[str, list[str]] = {}
        # A locale of `factory.generators.locales` (charts' `locales`): its people, companies,
        # countries and cities come from its pools (in its script; real CLDR places), months from CLDR.
        self.locale_code: str | None = None

    def table(self, rng: np.random.Generator, seed: int, rows: tuple[int, int], series: tuple[int, int],
              request: TableRequest) -> Table:  # fmt: skip
        self.faker().seed_instance(seed)
        return _Builder(self, rng, rows, series, request).build()

    # Faker and label pools -------------------------------------------------------------------

    def faker(self) -> Any:
        if self._faker is None:
            from factory.generators.locales import new_faker

            self._faker = new_faker(self.options.locale)
        return self._faker

    def pool(self, kind: str) -> list[str]:
        """Distinct short labels of one kind: real countries and cities (CLDR, in the locale's
        language), Faker's companies and people drawn once with a fixed seed (module docstring); for a
        `locale_code` (charts' `locales`) all four come from `locales.pools`, in the locale's script."""
        if kind not in self._pools and self.locale_code is not None:
            from factory.generators.locales import pools

            names = pools(self.locale_code)[{"people": "names"}.get(kind, kind)]
            self._pools[kind] = [t for t in names if len(t) <= self.options.max_label_chars]
        if kind in ("countries", "cities") and kind not in self._pools:
            names = places.countries(self.options.locale) if kind == "countries" else places.cities(self.options.locale)
            self._pools[kind] = [t for t in names if len(t) <= self.options.max_label_chars]
        if kind not in self._pools:
            fake = self.faker()
            fake.seed_instance(_POOL_SEEDS[kind])
            draw = {"companies": fake.company, "people": fake.name}[kind]
            size = _POOL_SIZE[kind]
            found: dict[str, None] = {}
            for _ in range(size * 6):
                text = " ".join(str(draw()).split())
                if 0 < len(text) <= self.options.max_label_chars:
                    found[text] = None
                    if len(found) >= size:
                        break
            self._pools[kind] = list(found)
        return self._pools[kind]

    def month_names(self) -> tuple[list[str], list[str]]:
        """(short, long) month names: English, or the locale's own when Faker has them (CLDR's for a
        `locale_code`)."""
        if self.locale_code is not None and not self.english:
            from factory.generators.locales import month_names

            return list(month_names(self.locale_code, "abbreviated")), list(month_names(self.locale_code))
        fake = self.faker()
        for provider in fake.factories[0].providers:
            names = getattr(provider, "MONTH_NAMES", None)
            if isinstance(names, dict) and len(names) == 12:
                long = [str(names[f"{m:02d}"]) for m in range(1, 13)]
                return long, long
        return list(_MONTHS_SHORT), list(_MONTHS_LONG)

    @property
    def english(self) -> bool:
        return self.options.locale.startswith("en")


# Generation --------------------------------------------------------------------------------


@dataclass
class _Values:
    """Numbers of one table before they become columns."""

    data: np.ndarray  # rows x series, display units
    unit: str
    decimals: int
    percent: bool
    facts: dict[str, Any] = field(default_factory=dict)


class _Builder:
    """One table: choose labels, a measure and series, then make and round the numbers."""

    def __init__(self, source: FakerLabels, rng: np.random.Generator, rows: tuple[int, int],
                 series: tuple[int, int], request: TableRequest):  # fmt: skip
        self.src = source
        self.rng = rng
        self.rows = rows
        self.series = series
        self.request = request
        self.mode = request.values
        self.measure_mode = f"{self.mode}+additive" if request.additive else self.mode
        self._currency: str | None = None

    def pick(self, items: Any) -> Any:
        return items[int(self.rng.integers(len(items)))]

    def count(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1))

    def build(self) -> Table:
        if self.request.numeric_labels:
            return self.scatter()
        kind = self.choose_kind()
        if kind in TIME_KINDS:
            n = self.count(*self.rows)
            labels, label_header, time_facts = self.time_labels(kind, n)
            domain = None
        else:
            domain, labels, label_header = self.entity_labels(kind)
            n = len(labels)
            time_facts = {}
        tag = "time" if kind in TIME_KINDS else (domain.tag if domain is not None and kind == "categories" else kind)
        k = self.count(*self.series)
        measure = self.choose_measure(tag, kind, k)
        names, series_kind, series_facts = self.series_names(measure, kind, tag, k, set(labels) | {label_header})
        k = len(names)
        if measure.share:
            values = self.share_values(n, k, kind)
        else:
            values = self.measure_values(measure, kind, n, k)
        order = "time" if kind in TIME_KINDS else ("listed" if domain is not None and domain.ordered else "random")
        if order == "random" and values.data.size:
            roll = self.rng.random()
            if roll < 0.35:
                idx = np.argsort(-values.data[:, 0], kind="stable")
                order = "value_desc"
            elif roll < 0.5:
                idx = np.array(sorted(range(n), key=lambda i: labels[i].casefold()))
                order = "alphabetical"
            else:
                idx = np.arange(n)
            labels = [labels[i] for i in idx]
            values.data = values.data[idx]
        single = k == 1 and series_kind == "single"
        value_axis = values.unit if series_kind == "siblings" else header(measure.name, values.unit)
        columns = [Column(name=label_header, kind="label")]
        for name in names:
            shown = "" if values.percent else values.unit
            col_name = header(name, shown) if single else name
            columns.append(Column(col_name, "number", values.unit, values.decimals, values.percent))
        rows_out = [[labels[i]] + [float(v) for v in values.data[i]] for i in range(n)]
        title = self.title(measure, kind, domain, label_header, series_kind, values.unit, single, time_facts, series_facts)
        facts = {
            "source": "faker",
            "locale": self.src.options.locale,
            "label_kind": kind,
            **({"category": domain.tag} if kind == "categories" and domain is not None else {}),
            **time_facts,
            "order": order,
            "measure": measure.name,
            "value_axis": value_axis,
            "unit": values.unit,
            "additive": measure.additive,
            "series_kind": series_kind,
            **values.facts,
            "values": _realized_mode(values.data, self.mode == "share"),
        }
        return Table(title=title, columns=columns, rows=rows_out, facts=facts)

    # labels --------------------------------------------------------------------------------

    def choose_kind(self) -> str:
        kinds = list(self.request.label_kinds or LABEL_KINDS)
        allowed = self.src.options.label_kinds
        if allowed:
            narrowed = [k for k in kinds if k in allowed]
            kinds = narrowed or kinds  # the chart's need wins over the preference
        elif self.request.label_kinds is None and self.mode == "share":
            kinds = [k for k in kinds if k not in TIME_KINDS]
        feasible = [k for k in kinds if self.kind_fits(k)]
        if not feasible:
            raise Dropped("table_unfit", f"no label kind among {kinds} fits {self.rows[0]}+ rows for {self.mode}")
        return self.weighted(feasible, [_KIND_WEIGHTS[k] for k in feasible])

    def weighted(self, items: Any, weights: Any) -> Any:
        """One item by weight; a plain loop beats numpy's choice(p=...) tenfold on short lists."""
        u = self.rng.random() * sum(weights)
        for item, w in zip(items, weights):
            u -= w
            if u < 0:
                return item
        return items[-1]

    def kind_fits(self, kind: str) -> bool:
        return _kind_fits(self.measure_mode, self.rows[0], kind)

    def measures_for(self, tag: str) -> tuple[Measure, ...]:
        return _measures_for(self.measure_mode, tag)

    def choose_measure(self, tag: str, kind: str, k: int) -> Measure:
        pool = list(self.measures_for(tag))
        if self.mode == "share" and pool[0].share and self.rng.random() < 0.3:
            amounts = [m for m in MEASURES if tag in m.tags and m.sign == "positive" and m.additive]
            pool = amounts or pool  # parts of a whole given as amounts, not percentages
        if k > 1:  # a measure whose own series kinds fit ("goals by segment" reads wrong)
            pool = [m for m in pool if self.splits(m, kind, tag, k)] or pool
        return self.pick(pool)

    def splits(self, measure: Measure, kind: str, tag: str, k: int) -> bool:
        own = any(self.series_fits(s, kind, k) and s != tag for s in measure.series)
        return own or (len(measure.siblings) >= k and kind != "people")

    def time_labels(self, kind: str, n: int) -> tuple[list[str], str, dict[str, Any]]:
        rng = self.rng
        if kind == "years":
            step = self.weighted((1, 2, 5, 10), (0.8, 0.08, 0.08, 0.04))
            end = int(rng.integers(1995, 2026))
            start = end - step * (n - 1)
            years = list(range(start, end + 1, step))
            fiscal = rng.random() < 0.07
            labels = [f"FY{y}" if fiscal else str(y) for y in years]
            return labels, "Fiscal year" if fiscal else "Year", {"start_year": start, "end_year": end, "step": step}
        if kind == "quarters":
            first = int(rng.integers(2000, 2025)) * 4 + int(rng.integers(4))
            qs = [(q // 4, q % 4 + 1) for q in range(first, first + n)]
            one_year = qs[0][0] == qs[-1][0]
            fmt = self.pick(["Q{q} {y}", "{y} Q{q}", "Q{q}'{yy}", "{y}-Q{q}"] + (["Q{q}"] if one_year else []))
            labels = [fmt.format(q=q, y=y, yy=f"{y % 100:02d}") for y, q in qs]
            return labels, "Quarter", {"start_year": qs[0][0], "end_year": qs[-1][0], "period": 4, "format": fmt}
        if kind == "months":
            first = int(rng.integers(2000, 2025)) * 12 + int(rng.integers(12))
            ms = [(m // 12, m % 12) for m in range(first, first + n)]
            short, long = self.src.month_names()
            one_year = ms[0][0] == ms[-1][0]
            if one_year:
                fmt = self.pick(["short", "long"] if self.src.english else ["long"])
            else:
                fmt = self.pick(["short_year", "iso"] + (["short_apos"] if self.src.english else []))
            names = short if fmt.startswith("short") else long
            out = []
            for y, m in ms:
                out.append({"short": names[m], "long": names[m], "short_year": f"{names[m]} {y}",
                            "short_apos": f"{names[m]} '{y % 100:02d}", "iso": f"{y}-{m + 1:02d}"}[fmt])  # fmt: skip
            facts = {"start_year": ms[0][0], "end_year": ms[-1][0], "period": 12, "start_month": ms[0][1] + 1, "format": fmt}
            return out, "Month", facts
        # dates: daily or weekly
        step = 7 if rng.random() < 0.4 else 1
        start = dt.date(int(rng.integers(2005, 2025)), 1, 1) + dt.timedelta(days=int(rng.integers(0, 300)))
        days = [start + dt.timedelta(days=step * i) for i in range(n)]
        one_year = days[0].year == days[-1].year
        fmt = "%Y-%m-%d"
        if one_year and self.src.english and rng.random() < 0.4:
            fmt = "%b %d"
        labels = [d.strftime(fmt) if fmt == "%Y-%m-%d" else f"{_MONTHS_SHORT[d.month - 1]} {d.day:02d}" for d in days]
        facts = {"start_year": days[0].year, "end_year": days[-1].year, "period": 7 if step == 1 else None,
                 "step_days": step, "start_weekday": days[0].weekday(), "format": fmt}  # fmt: skip
        return labels, "Week" if step == 7 else "Date", facts

    def entity_labels(self, kind: str) -> tuple[Domain | None, list[str], str]:
        lo, hi = self.rows
        if kind == "categories":
            domains = [d for d in CATEGORY_DOMAINS if len(d.items) >= lo and self.measures_for(d.tag)]
            domain = self.pick(domains)
            n = self.count(lo, min(hi, len(domain.items)))
            return domain, self.subset(domain.items, n, domain.ordered), domain.header
        if kind == "products":
            if self.rng.random() < 0.3 and hi >= 1:
                n = self.count(lo, hi)
                names: dict[str, None] = {}
                while len(names) < n:
                    names[f"{self.pick(_BRANDS)} {self.pick(_MODELS)}"] = None
                return None, list(names), "Model"
            domains = [d for d in PRODUCT_DOMAINS if len(d.items) >= lo]
            domain = self.pick(domains)
            n = self.count(lo, min(hi, len(domain.items)))
            return domain, self.subset(domain.items, n, domain.ordered), domain.header
        pool = self.src.pool(kind)
        n = self.count(lo, max(lo, min(hi, len(pool))))
        if n > len(pool):
            raise Dropped("table_unfit", f"only {len(pool)} distinct {kind} in locale {self.src.options.locale}")
        head = {"countries": "Country", "cities": "City", "companies": "Company", "people": "Name"}[kind]
        return None, self.subset(pool, n, False), head

    def subset(self, items: Any, n: int, ordered: bool) -> list[str]:
        idx = self.rng.choice(len(items), size=n, replace=False)
        if ordered:
            idx = np.sort(idx)
        return [items[int(i)] for i in idx]

    # series --------------------------------------------------------------------------------

    def series_names(self, measure: Measure, kind: str, tag: str, k: int, taken: set[str]) -> tuple[list[str], str, dict]:
        """Names of k series: the measure itself, its siblings, or entities (countries, years...).

        Entities of the label's own kind are never series, and no series is named like the label
        column or one of its labels.
        """
        if k == 1 and self.series[0] == 1:
            return [measure.name], "single", {}
        options = [s for s in measure.series if self.series_fits(s, kind, k) and s != tag]
        if len(measure.siblings) >= k and kind not in ("people",):
            options.append("siblings")
        if not options:  # fewer series of a kind that suits the measure beat more of one that does not
            fewer = [(len(SERIES_ENTITIES[s]), s) for s in measure.series
                     if s in SERIES_ENTITIES and s != kind and len(SERIES_ENTITIES[s]) >= max(self.series[0], 2)]
            if fewer:
                k, _ = max(fewer)
                options = [s for c, s in fewer if c >= k]
        if not options:
            options = [s for s in ("regions", "segments", "years", "countries") if self.series_fits(s, kind, k)]
        choice = self.pick(options)
        if choice == "siblings":
            return list(measure.siblings[:k]), "siblings", {}
        if choice == "years":
            end = int(self.rng.integers(2015, 2026))
            return [str(y) for y in range(end - k + 1, end + 1)], "years", {"series_years": [end - k + 1, end]}
        if choice in SERIES_ENTITIES:
            items = [x for x in SERIES_ENTITIES[choice] if x not in taken]
            if len(items) >= max(self.series[0], 2):
                return self.subset(items, min(k, len(items)), choice in ("scenarios", "sexes", "areas")), choice, {}
            choice = "countries" if kind != "countries" else "companies"
        if choice == "products":
            domain = self.pick([d for d in PRODUCT_DOMAINS if len(d.items) >= k])
            items = [x for x in domain.items if x not in taken]
            if len(items) >= k:
                return self.subset(items, k, domain.ordered), "products", {}
            choice = "countries" if kind != "countries" else "companies"
        pool = self.src.pool(choice)
        drawn = [x for x in self.subset(pool, min(k + len(taken), len(pool)), False) if x not in taken]
        return drawn[:k], choice, {}

    def series_fits(self, series_kind: str, label_kind: str, k: int) -> bool:
        if series_kind == "years":
            return label_kind not in TIME_KINDS
        if series_kind == label_kind or series_kind not in _SERIES_TITLE:
            return False
        if series_kind in SERIES_ENTITIES:
            return len(SERIES_ENTITIES[series_kind]) >= max(k, self.series[0]) and k >= 2
        return k >= 2

    # numbers -------------------------------------------------------------------------------

    def measure_values(self, measure: Measure, kind: str, n: int, k: int) -> _Values:
        rng = self.rng
        facts: dict[str, Any] = {"share": "amounts"} if self.mode == "share" else {}
        spread = 0.0
        if kind in TIME_KINDS:
            z, pattern = self.time_pattern(kind, n, k)
            facts.update(pattern)
        else:
            rho = rng.uniform(0.5, 0.95)
            shared = rng.standard_normal((n, 1))
            z = rho * shared + math.sqrt(1 - rho * rho) * rng.standard_normal((n, k))
            facts["pattern"] = "cross_section"
        # series of an additive measure differ in size (countries); rates and scores stay close
        series_level = np.exp(rng.normal(0.0, 0.35 if measure.additive else 0.1, size=k)) if k > 1 else np.ones(1)
        if measure.sign == "positive":
            raw_level = _log_uniform(rng, *measure.level)
            r = rng.uniform(*measure.spread) if kind in TIME_KINDS else rng.uniform(0.15, 0.8)
            data = raw_level * series_level[None, :] * np.exp(r * z)
            exp, unit = self.scale(measure, float(np.max(np.abs(data))))
            data = data / 10.0**exp
            facts["magnitude"] = int(math.floor(math.log10(raw_level)))
        else:
            exp = int(self.pick(measure.steps)) if measure.family else 0
            unit = self.unit_text(measure, exp)
            spread = rng.uniform(*measure.spread)
            if self.mode == "with_negatives":
                centre = spread * rng.uniform(-0.8, 0.4)
            else:
                centre = rng.uniform(*measure.level)
            offsets = rng.normal(0.0, 0.3 * spread, size=k) if k > 1 else np.zeros(1)
            data = centre + offsets[None, :] + spread * z * 0.6
            facts["magnitude"] = int(math.floor(math.log10(max(abs(centre) + spread, 1e-9)))) + exp
        facts["scale"] = exp
        if measure.bounds is not None:
            data = np.clip(data, *measure.bounds)
        percent = unit == "%" and rng.random() < 0.5
        decimals = self.decimals(measure, data, percent, exp)
        data = _round(data, decimals)
        if self.mode == "positive" or measure.sign == "positive":
            data = np.where(data <= 0, 10.0**-decimals, data)
        if self.mode == "with_negatives" and not (data < 0).any():
            data = _round(data - (data.min() + max(abs(spread) * rng.uniform(0.1, 0.5), 10.0**-decimals)), decimals)
            if not (data < 0).any():
                data[np.unravel_index(np.argmin(data), data.shape)] = -(10.0**-decimals)
        return _Values(data + 0.0, unit, decimals, percent, facts)

    def time_pattern(self, kind: str, n: int, k: int) -> tuple[np.ndarray, dict[str, Any]]:
        """Trend + seasonality + noise per series, roughly within [-1.5, 1.5]."""
        rng = self.rng
        t = np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
        shared = rng.random() < 0.6
        trends: list[str] = []
        columns = []
        base = None
        for j in range(k):
            if base is None or not shared:
                trend = self.weighted(_TRENDS, _TREND_P)
                g = rng.uniform(0.4, 1.0)
                if trend == "up":
                    base = g * t
                elif trend == "down":
                    base = -g * t
                elif trend == "flat":
                    base = np.zeros(n)
                elif trend == "peak":
                    base = g * (1 - 2 * t**2)
                elif trend == "dip":
                    base = -g * (1 - 2 * t**2)
                else:
                    walk = np.cumsum(rng.standard_normal(n))
                    walk -= walk.mean()
                    base = g * walk / max(float(np.abs(walk).max()), 1e-9)
            trends.append(trend)
            columns.append(base * rng.uniform(0.7, 1.3))
        z = np.stack(columns, axis=1)
        period = _PERIODS.get(kind)
        if kind == "dates" and n >= 7:
            period = 7
        season = None
        if period and n >= period // 2 + 1 and rng.random() < 0.6:
            amp = rng.uniform(0.2, 0.7)
            phase = rng.uniform(0, 2 * math.pi)
            season = amp * np.sin(2 * math.pi * np.arange(n) / period + phase)
            z = z + season[:, None]
        noise = self.pick((0.03, 0.08, 0.18))
        z = z + noise * rng.standard_normal((n, k))
        facts = {"trend": trends, "seasonality": period if season is not None else None, "noise": noise}
        return z, facts

    def scale(self, measure: Measure, top: float) -> tuple[int, str]:
        """Scale exponent and unit text so the largest value shows with at most 4 integer digits."""
        if not measure.family:
            return 0, measure.unit
        steps = sorted(_SCALES[measure.family])
        fits = [e for e in steps if 1 <= top / 10.0**e < 10_000] or [steps[0] if top < 1 else steps[-1]]
        best = [e for e in fits if top / 10.0**e < 1000]
        exp = best[0] if best and (len(fits) == 1 or self.rng.random() < 0.7) else fits[0]
        return exp, self.unit_text(measure, exp)

    def unit_text(self, measure: Measure, exp: int) -> str:
        if not measure.family:
            return measure.unit
        if self._currency is None:
            self._currency = self.weighted(_CURRENCIES, (0.6, 0.25, 0.15))
        return _SCALES[measure.family][exp].format(c=self._currency)

    def decimals(self, measure: Measure, data: np.ndarray, percent: bool, exp: int) -> int:
        top = float(np.max(np.abs(data))) if data.size else 0.0
        if measure.decimals is not None:
            d = self.count(*measure.decimals)
        elif measure.family == "count" and exp == 0:
            d = 0  # whole people, units, goals
        else:
            sig = self.weighted((2, 3, 4), (0.2, 0.55, 0.25))
            d = _decimals_for(top, sig)
        while d > 0 and _too_long(data, d, percent):
            d -= 1
        return d

    def share_values(self, n: int, k: int, kind: str) -> _Values:
        """Positive parts of a whole: percentages summing to exactly 100 per series."""
        rng = self.rng
        decimals = self.count(0, 1)
        units_total = 100 * 10**decimals
        alpha = rng.uniform(0.8, 3.0)
        data = np.zeros((n, k))
        for j in range(k):
            weights = rng.gamma(alpha, size=n)
            data[:, j] = _largest_remainder(weights, units_total) / 10**decimals
        percent = rng.random() < 0.5
        return _Values(data, "%", decimals, percent, {"share": "percent_of_total", "pattern": "shares"})

    def scatter(self) -> Table:
        rng = self.rng
        if self.mode == "with_negatives":
            pairs = [p for p in SCATTER_PAIRS if p.y_range[0] < 0]
        elif self.mode in ("positive", "share"):
            pairs = [p for p in SCATTER_PAIRS if p.y_range[0] > 0]
        else:
            pairs = list(SCATTER_PAIRS)
        pair = self.pick(pairs)
        n = self.count(*self.rows)
        k = self.count(*self.series)
        lo, hi = pair.x_range
        gap = (hi - lo) / n
        x = lo + (np.arange(n) + rng.uniform(0.1, 0.9, size=n)) * gap
        # neighbours are at least 0.2 * gap apart; a step below that keeps them distinct when rounded
        x_dec = min(max(_decimals_for(max(abs(lo), abs(hi)), 2), math.floor(-math.log10(0.2 * gap)) + 1, 0), 4)
        x = _round(x, x_dec) + 0.0
        group_kinds = [g for g in pair.groups if g == "years" or len(SERIES_ENTITIES.get(g, ())) >= k]
        if k == 1 or not group_kinds:
            k, names, series_kind = 1, [pair.y], "single"
        else:
            series_kind = self.pick(group_kinds)
            if series_kind == "years":
                end = int(rng.integers(2015, 2026))
                names = [str(y) for y in range(end - k + 1, end + 1)]
            else:
                names = self.subset(SERIES_ENTITIES[series_kind], k, True)
        xn = (x - lo) / (hi - lo)
        strength = rng.uniform(0.5, 1.0)
        noise = rng.uniform(0.03, 0.12)
        y_lo, y_hi = pair.y_range
        base = 0.5 + pair.correlation * strength * (xn - 0.5)
        offsets = rng.uniform(-0.15, 0.15, size=k) if k > 1 else np.zeros(1)
        y = y_lo + (y_hi - y_lo) * (base[:, None] + offsets[None, :] + noise * rng.standard_normal((n, k)))
        percent = pair.y_unit == "%" and rng.random() < 0.5
        y_dec = _decimals_for(float(np.max(np.abs(y))), self.weighted((2, 3), (0.4, 0.6)))
        while y_dec > 0 and _too_long(y, y_dec, percent):
            y_dec -= 1
        y = _round(y, y_dec)
        if self.mode in ("positive", "share") or y_lo > 0:
            y = np.where(y <= 0, 10.0**-y_dec, y)
        if self.mode == "with_negatives" and not (y < 0).any():
            y[np.unravel_index(np.argmin(y), y.shape)] = -(10.0**-y_dec)
        y = y + 0.0
        columns = [Column(header(pair.x, pair.x_unit), "number", pair.x_unit, x_dec)]
        for name in names:
            col_name = header(name, "" if percent else pair.y_unit) if series_kind == "single" else name
            columns.append(Column(col_name, "number", pair.y_unit, y_dec, percent))
        rows = [[float(x[i])] + [float(v) for v in y[i]] for i in range(n)]
        title = ""
        if rng.random() >= self.src.options.empty_title:
            title = f"{pair.y} vs. {lower_first(pair.x)}"
            if series_kind != "single":
                title += f" by {_SERIES_TITLE.get(series_kind, series_kind)}"
                if pair.y_unit:
                    title += f" ({pair.y_unit})"
        facts = {
            "source": "faker", "locale": self.src.options.locale, "label_kind": "number", "order": "ascending",
            "measure": pair.y, "x_measure": pair.x, "value_axis": header(pair.y, pair.y_unit), "unit": pair.y_unit,
            "additive": False, "series_kind": series_kind, "correlation": pair.correlation,
            "strength": round(float(strength), 3), "noise": round(float(noise), 3),
            "values": _realized_mode(y, False),
        }  # fmt: skip
        return Table(title=title, columns=columns, rows=rows, facts=facts)

    # titles --------------------------------------------------------------------------------

    def title(self, measure: Measure, kind: str, domain: Domain | None, label_header: str, series_kind: str,
              unit: str, single: bool, time_facts: dict, series_facts: dict) -> str:  # fmt: skip
        rng = self.rng
        if rng.random() < self.src.options.empty_title:
            return ""
        name = measure.name
        if series_kind == "siblings":
            name = " and ".join([name] + [lower_first(s) for s in measure.siblings if s != name])
        if kind in TIME_KINDS and kind in _FREQ_WORD and rng.random() < 0.5:
            name = f"{_FREQ_WORD[kind]} {lower_first(name)}"
        elif kind == "dates" and rng.random() < 0.5:
            name = f"{'Weekly' if time_facts.get('step_days') == 7 else 'Daily'} {lower_first(name)}"
        parts = [name]
        if kind not in TIME_KINDS:
            dim = lower_first(label_header) if domain is not None else _LABEL_TITLE.get(kind, lower_first(label_header))
            parts.append(f" by {dim}")
        if not single and series_kind in _SERIES_TITLE:
            parts.append(f" {'and' if kind not in TIME_KINDS else 'by'} {_SERIES_TITLE[series_kind]}")
        elif single and kind in TIME_KINDS and "cities" in measure.tags and rng.random() < 0.4:
            parts.append(f" in {self.pick(self.src.pool('cities'))}")
        if not single and unit:
            parts.append(f" ({unit})")
        if kind in TIME_KINDS:
            a, b = time_facts.get("start_year"), time_facts.get("end_year")
            parts.append(f", {a}" if a == b else f", {a}-{b}")
        elif series_kind == "years":
            a, b = series_facts["series_years"]
            parts.append(f", {a}-{b}")
        elif rng.random() < 0.5:
            parts.append(f", {int(rng.integers(2010, 2026))}")
        return "".join(parts)


@functools.lru_cache(maxsize=None)
def _measures_for(mode: str, tag: str) -> tuple[Measure, ...]:
    """Measures that fit a label tag and a value mode (share: percentages, else positive amounts);
    a mode ending in '+additive' keeps only measures whose series can be stacked."""
    if mode.endswith("+additive"):
        return tuple(m for m in _measures_for(mode.removesuffix("+additive"), tag) if m.additive)
    if mode == "share":
        pool = [m for m in SHARE_MEASURES if tag in m.tags]
        return tuple(pool or [m for m in MEASURES if tag in m.tags and m.sign == "positive" and m.additive])
    if mode == "positive":
        return tuple(m for m in MEASURES if tag in m.tags and m.sign == "positive")
    if mode == "with_negatives":
        return tuple(m for m in MEASURES if tag in m.tags and m.sign != "positive")
    return tuple(m for m in MEASURES if tag in m.tags)


@functools.lru_cache(maxsize=None)
def _kind_fits(mode: str, min_rows: int, kind: str) -> bool:
    if kind in TIME_KINDS:
        return bool(_measures_for(mode, "time"))
    if kind == "categories":
        return any(len(d.items) >= min_rows and _measures_for(mode, d.tag) for d in CATEGORY_DOMAINS)
    if kind == "products":
        return any(len(d.items) >= min_rows for d in PRODUCT_DOMAINS) and bool(_measures_for(mode, "products"))
    return bool(_measures_for(mode, kind))


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    if lo <= 0:
        return float(rng.uniform(lo, hi))
    return float(10 ** rng.uniform(math.log10(lo), math.log10(hi)))


def _decimals_for(top: float, sig: int) -> int:
    """Digits after the point that show `sig` significant digits of the largest value."""
    if top <= 0 or not math.isfinite(top):
        return 0
    digits = math.floor(math.log10(top)) + 1  # integer digits (<= 0 for values below 1)
    return int(min(max(sig - digits, 0), 5))


def _round(data: np.ndarray, decimals: int) -> np.ndarray:
    """Round to the shown digits; rint(x * 10^d) / 10^d is the float nearest those digits."""
    return np.round(np.asarray(data, dtype=float), decimals) + 0.0  # + 0.0: no -0.0


def _too_long(data: np.ndarray, decimals: int, percent: bool) -> bool:
    """Whether the widest formatted value (largest magnitude, plus its sign) exceeds MAX_CHARS."""
    data = np.asarray(data, dtype=float)
    if not data.size:
        return False
    col = Column("", "number", "", decimals, percent)
    widest = len(format_value(float(np.max(np.abs(data))), col))
    negative = data[data < 0]
    if negative.size:
        widest = max(widest, len(format_value(float(negative.min()), col)))
    return widest > MAX_CHARS


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers >= 1 proportional to weights that sum to exactly total (Hamilton's method)."""
    n = len(weights)
    spare = total - n
    exact = weights / weights.sum() * spare
    base = np.floor(exact).astype(int)
    left = spare - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:left]] += 1
    return (base + 1).astype(float)


def _realized_mode(data: np.ndarray, share: bool) -> str:
    if share:
        return "share"
    return "with_negatives" if (np.asarray(data) < 0).any() else "positive"
