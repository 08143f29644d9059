"""The words generated tables are made of: category domains, products, series entities, measures
with their units and typical values, and scatter pairs. Plain data, no randomness."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal


# Vocabularies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Domain:
    """A fixed list of category labels; `ordered` lists keep their order (age groups, scales)."""

    header: str
    items: tuple[str, ...]
    tag: str
    ordered: bool = False


CATEGORY_DOMAINS = (
    Domain("Age group", ("Under 18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"), "age", True),
    Domain("Income bracket", ("< $25k", "$25k-50k", "$50k-75k", "$75k-100k", "$100k-150k", "> $150k"), "income", True),
    Domain("Response", ("Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"), "survey", True),
    Domain("Education", ("Primary", "Secondary", "Vocational", "Bachelor's", "Master's", "Doctorate"), "education", True),
    Domain("Day", ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), "weekdays", True),
    Domain("Department", ("Sales", "Marketing", "Engineering", "Finance", "HR", "Operations", "Legal",
                          "Support", "R&D", "IT"), "departments"),
    Domain("Energy source", ("Coal", "Natural gas", "Nuclear", "Hydro", "Wind", "Solar", "Biomass", "Oil",
                             "Geothermal"), "energy"),
    Domain("Mode of transport", ("Car", "Bus", "Train", "Bicycle", "Walking", "Tram", "Motorcycle", "Ferry",
                                 "Taxi"), "transport"),
    Domain("Sector", ("Agriculture", "Manufacturing", "Construction", "Retail", "Finance", "Healthcare",
                      "Education", "Tourism", "Technology", "Energy", "Transport"), "sectors"),
    Domain("Region", ("Africa", "Asia", "Europe", "North America", "South America", "Oceania"), "continents"),
    Domain("Browser", ("Chrome", "Safari", "Edge", "Firefox", "Opera", "Samsung Internet", "Brave"), "browsers"),
    Domain("Genre", ("Pop", "Rock", "Hip-hop", "Jazz", "Classical", "Electronic", "Country", "R&B", "Latin",
                     "Metal"), "genres"),
    Domain("Expense", ("Housing", "Food", "Transport", "Health", "Education", "Leisure", "Clothing",
                       "Utilities", "Savings"), "expenses"),
    Domain("Crop", ("Wheat", "Maize", "Rice", "Soybeans", "Barley", "Potatoes", "Sugar cane", "Cotton",
                    "Coffee"), "crops"),
    Domain("Platform", ("Facebook", "YouTube", "Instagram", "TikTok", "LinkedIn", "Reddit", "Pinterest",
                        "Snapchat"), "platforms"),
    Domain("Channel", ("Online", "Retail stores", "Wholesale", "Direct sales", "Partners", "Mobile app"), "channels"),
)  # fmt: skip

PRODUCT_DOMAINS = (
    Domain("Product", ("Laptops", "Smartphones", "Tablets", "Headphones", "Smartwatches", "Cameras", "Printers",
                       "Monitors", "Speakers", "Routers", "Keyboards", "Game consoles"), "products"),
    Domain("Beverage", ("Coffee", "Tea", "Orange juice", "Sparkling water", "Cola", "Lemonade", "Energy drinks",
                        "Iced tea", "Smoothies", "Kombucha"), "products"),
    Domain("Product", ("T-shirts", "Jeans", "Jackets", "Sneakers", "Dresses", "Hoodies", "Socks", "Hats",
                       "Shorts", "Sweaters", "Boots", "Scarves"), "products"),
    Domain("Product", ("Bread", "Cheese", "Yogurt", "Pasta", "Rice", "Cereal", "Chocolate", "Cookies", "Chips",
                       "Frozen pizza", "Eggs", "Butter"), "products"),
    Domain("Plan", ("Free", "Basic", "Standard", "Pro", "Business", "Enterprise"), "products", True),
    Domain("Vehicle type", ("Sedans", "SUVs", "Pickups", "Hatchbacks", "Vans", "Coupes", "Convertibles",
                            "Minivans", "Motorcycles", "Electric cars"), "products"),
)  # fmt: skip

_BRANDS = ("Aurora", "Vertex", "Nimbus", "Orion", "Zenith", "Lumen", "Atlas", "Helix", "Nova", "Pulse", "Quasar",
           "Sierra", "Titan", "Vega", "Echo", "Flux", "Apex", "Cobalt", "Ember", "Kestrel")  # fmt: skip
_MODELS = ("X", "Pro", "Max", "Lite", "200", "S3", "Air", "Mini", "Plus", "One", "5G", "Ultra", "Neo", "300",
           "GT", "Go")  # fmt: skip

SERIES_ENTITIES = {
    "regions": ("North America", "Europe", "Asia Pacific", "Latin America", "Middle East", "Africa"),
    "channels": ("Online", "Retail", "Wholesale", "Direct", "Partners"),
    "segments": ("Consumer", "Enterprise", "Small business", "Government", "Education"),
    "scenarios": ("Actual", "Budget", "Forecast"),
    "sexes": ("Men", "Women"),
    "areas": ("Urban", "Rural"),
}
_SERIES_TITLE = {"regions": "region", "channels": "channel", "segments": "segment", "scenarios": "scenario",
                 "sexes": "sex", "areas": "area", "countries": "country", "cities": "city",
                 "companies": "company", "products": "product", "years": "year"}  # fmt: skip


@dataclass(frozen=True)
class Measure:
    """A quantity with its unit and typical values.

    `level` is the typical value in base units (scaled families: raw units, e.g. USD) for
    positive measures; for `either`/`signed` measures it is the centre in display units, and
    `spread` the absolute swing (positive measures: relative swing). `steps` lists the scale
    exponents a signed/either measure of a scaled family may be shown in.
    """

    name: str
    tags: frozenset[str]
    unit: str = ""
    family: str = ""  # "", "currency", "count", "mass", "energy"
    level: tuple[float, float] = (1.0, 100.0)
    spread: tuple[float, float] = (0.1, 0.45)
    sign: Literal["positive", "either", "signed"] = "positive"
    additive: bool = True
    siblings: tuple[str, ...] = ()
    series: tuple[str, ...] = ("regions", "countries", "companies", "segments")
    decimals: tuple[int, int] | None = None
    steps: tuple[int, ...] = (0,)
    share: bool = False  # a percent-of-total measure (pie/donut)
    bounds: tuple[float, float] | None = None  # values are clipped into this range (scores, rates)


def _m(name: str, tags: str, **kw: Any) -> Measure:
    return Measure(name=name, tags=frozenset(tags.split()), **kw)


_ALL = "time countries cities companies products people"
MEASURES = (
    _m("Revenue", "time companies products departments sectors continents channels countries cities", family="currency",
       level=(1e6, 5e11), siblings=("Revenue", "Costs"), series=("regions", "companies", "products", "segments", "channels")),
    _m("Net income", "time companies sectors", family="currency", level=(-40, 300), spread=(30, 150), sign="either",
       steps=(6, 9), series=("companies", "regions", "segments")),
    _m("Exports", "time countries continents sectors crops", family="currency", level=(1e8, 2e12),
       siblings=("Exports", "Imports"), series=("countries", "regions")),
    _m("Trade balance", "time countries", family="currency", level=(-20, 20), spread=(10, 80), sign="signed",
       steps=(9,), series=("countries",)),
    _m("GDP", "time countries continents", family="currency", level=(1e10, 2e13), series=("countries", "regions")),
    _m("Average salary", "time countries cities departments sectors education people", family="currency",
       level=(2e4, 1.5e5), spread=(0.05, 0.3), additive=False, series=("countries", "sexes")),
    _m("Average price", "time products cities", family="currency", level=(2, 2000), spread=(0.05, 0.3),
       additive=False, decimals=(0, 2), series=("cities", "channels", "countries")),
    _m("Marketing spend", "time departments channels companies platforms", family="currency", level=(1e4, 1e8),
       series=("channels", "regions", "companies")),
    _m("Household spending", "time expenses income", family="currency", level=(50, 3000), series=("areas", "countries")),
    _m("Investment", "time sectors countries energy", family="currency", level=(1e7, 1e11), series=("countries", "regions")),
    _m("Population", "time countries cities continents age", family="count", level=(1e4, 1.4e9), spread=(0.02, 0.1),
       series=("countries", "sexes", "areas")),
    _m("Tourist arrivals", "time countries cities continents", family="count", level=(1e3, 9e7),
       series=("countries", "cities", "regions")),
    _m("Units sold", "time products companies cities weekdays channels", family="count", level=(1e2, 1e7),
       series=("products", "channels", "regions", "companies")),
    _m("Active users", "time browsers platforms companies products countries", family="count", level=(1e3, 2e9),
       series=("regions", "products", "companies")),
    _m("Employees", "time companies departments sectors", family="count", level=(10, 5e5),
       series=("companies", "regions", "sexes")),
    _m("Downloads", "time products platforms countries", family="count", level=(1e3, 1e8), series=("products", "regions")),
    _m("Passengers", "time transport cities weekdays", family="count", level=(1e3, 1e8), series=("cities", "regions")),
    _m("Births", "time countries continents", family="count", level=(1e3, 1e7), siblings=("Births", "Deaths"),
       series=("countries",)),
    _m("Respondents", "survey age income education", family="count", level=(10, 5000), series=("sexes", "areas", "years")),
    _m("Students enrolled", "time countries education cities", family="count", level=(1e2, 1e7), series=("sexes", "countries")),
    _m("Goals", "people time", level=(2, 40), decimals=(0, 0), series=("years",)),
    _m("Tasks completed", "people weekdays departments", level=(5, 200), decimals=(0, 0), series=("years", "scenarios")),
    _m("Test score", "people education time", level=(45, 90), spread=(0.05, 0.2), additive=False, series=("years", "sexes"), bounds=(0, 100)),
    _m("CO2 emissions", "time countries sectors energy transport continents", family="mass", level=(1e3, 1e10),
       series=("countries", "regions")),
    _m("Crop production", "time crops countries", family="mass", level=(1e3, 1e9), series=("countries", "regions")),
    _m("Electricity generation", "time energy countries", family="energy", level=(1e6, 1e13),
       series=("countries", "regions")),
    _m("Rainfall", "time cities weekdays", unit="mm", level=(10, 250), spread=(0.2, 0.6), additive=True,
       series=("cities",)),
    _m("Unemployment rate", "time countries cities age education continents", unit="%", level=(2, 20),
       spread=(0.05, 0.3), additive=False, decimals=(1, 1), series=("countries", "sexes", "areas"), bounds=(0.5, 60)),
    _m("Inflation rate", "time countries continents", unit="%", level=(-1, 8), spread=(0.5, 4), sign="either",
       additive=False, decimals=(1, 1), series=("countries", "regions")),
    _m("GDP growth", "time countries continents sectors", unit="%", level=(-2, 5), spread=(1, 4), sign="signed",
       additive=False, decimals=(1, 1), series=("countries", "regions")),
    _m("Interest rate", "time countries", unit="%", level=(0.1, 8), spread=(0.05, 0.3), additive=False,
       decimals=(2, 2), series=("countries",), bounds=(0.01, 30)),
    _m("Conversion rate", "time browsers channels products platforms", unit="%", level=(0.5, 9), spread=(0.05, 0.4),
       additive=False, series=("channels", "segments"), bounds=(0.05, 60)),
    _m("Satisfaction score", "time companies products departments cities age", level=(50, 95), spread=(0.03, 0.15),
       additive=False, decimals=(0, 1), series=("years", "segments", "regions"), bounds=(0, 100)),
    _m("Life expectancy", "time countries continents", unit="years", level=(55, 85), spread=(0.01, 0.06),
       additive=False, decimals=(0, 1), series=("sexes", "countries"), bounds=(35, 95)),
    _m("Average temperature", "time cities countries weekdays", unit="°C", level=(-5, 28), spread=(2, 12),
       sign="either", additive=False, decimals=(0, 1), series=("cities",)),
    _m("Average speed", "time transport cities", unit="km/h", level=(10, 120), spread=(0.05, 0.3), additive=False,
       series=("cities", "areas")),
    _m("Response time", "time browsers cities platforms", unit="ms", level=(20, 900), spread=(0.05, 0.4),
       additive=False, series=("regions", "products")),
    _m("Nitrate concentration", "time cities", unit="mg/L", level=(0.002, 0.5), spread=(0.1, 0.5), additive=False,
       series=("cities",)),
    _m("Error rate", "time products browsers", unit="%", level=(0.01, 2), spread=(0.1, 0.5), additive=False,
       series=("products", "regions"), bounds=(0.001, 50)),
    _m("Latency", "time cities continents", unit="s", level=(0.001, 0.5), spread=(0.05, 0.4), additive=False,
       series=("regions",)),
    _m("Exchange rate", "time", unit="USD per EUR", level=(0.8, 1.6), spread=(0.01, 0.06), additive=False,
       decimals=(3, 4), series=("scenarios",)),
    _m("PM2.5", "time cities weekdays countries", unit="µg/m³", level=(5, 80), spread=(0.1, 0.5), additive=False,
       series=("cities",)),
    _m("Hours worked", "people weekdays departments sectors", unit="h", level=(4, 45), spread=(0.05, 0.25),
       additive=True, decimals=(0, 1), series=("years", "sexes"), bounds=(0.5, 80)),
    _m("Height", "people", unit="cm", level=(150, 195), spread=(0.01, 0.05), additive=False, series=("years",), bounds=(120, 215)),
    _m("Share of renewables", "time countries continents", unit="%", level=(5, 80), spread=(0.05, 0.3),
       additive=False, decimals=(0, 1), series=("countries", "regions"), bounds=(0.5, 100)),
    _m("Change in sales", f"{_ALL} channels continents platforms browsers genres crops weekdays sectors departments",
       unit="%", level=(-3, 6), spread=(2, 12), sign="signed", additive=False, decimals=(0, 1),
       series=("regions", "channels", "years")),
    _m("Stock return", "time companies sectors", unit="%", level=(-2, 8), spread=(4, 20), sign="signed",
       additive=False, decimals=(1, 1), series=("companies",)),
    _m("Net migration", "time countries cities", family="count", level=(-50, 200), spread=(20, 150), sign="signed",
       steps=(3,), series=("countries", "cities")),
    _m("Operating margin", "time companies sectors", unit="%", level=(-5, 20), spread=(3, 10), sign="either",
       additive=False, decimals=(0, 1), series=("companies", "segments")),
    _m("Budget balance", "time countries", unit="% of GDP", level=(-6, 2), spread=(1, 4), sign="signed",
       additive=False, decimals=(1, 1), series=("countries",)),
    _m("Net satisfaction", "survey age income education departments", unit="points", level=(-20, 30),
       spread=(10, 40), sign="signed", additive=False, series=("sexes", "years")),
    _m("Change in spending", "expenses income", unit="%", level=(-4, 6), spread=(2, 10), sign="signed",
       additive=False, decimals=(0, 1), series=("years", "areas")),
    _m("Price change", "time crops energy products", unit="%", level=(-3, 6), spread=(2, 15), sign="signed",
       additive=False, decimals=(1, 1), series=("regions", "years")),
)  # fmt: skip

SHARE_MEASURES = tuple(
    _m(name, tags, unit="%", share=True, additive=True)
    for name, tags in (
        ("Market share", "companies products browsers platforms"),
        ("Share of respondents", "survey age income education"),
        ("Share of electricity generation", "energy"),
        ("Share of sales", "products channels continents cities companies time"),
        ("Share of budget", "departments expenses"),
        ("Share of population", "age continents education income"),
        ("Share of trips", "transport weekdays"),
        ("Share of employment", "sectors"),
        ("Share of exports", "countries sectors continents crops"),
        ("Share of listening time", "genres"),
        ("Share of production", "crops countries"),
        ("Share of votes", "people"),
        ("Share of visitors", "cities countries weekdays"),
    )
)

_SCALES = {
    "currency": {0: "{c}", 3: "{c} thousands", 6: "{c} m", 9: "{c} bn", 12: "{c} tn"},
    "count": {0: "", 3: "thousands", 6: "millions", 9: "billions"},
    "mass": {0: "t", 3: "kt", 6: "Mt", 9: "Gt"},
    "energy": {0: "kWh", 3: "MWh", 6: "GWh", 9: "TWh"},
}
_CURRENCIES = ("USD", "EUR", "GBP")


@dataclass(frozen=True)
class ScatterPair:
    x: str
    x_unit: str
    x_range: tuple[float, float]
    y: str
    y_unit: str
    y_range: tuple[float, float]
    correlation: int  # +1 or -1
    groups: tuple[str, ...] = ("regions", "years")


SCATTER_PAIRS = (
    ScatterPair("GDP per capita", "USD thousands", (1, 90), "Life expectancy", "years", (55, 85), 1),
    ScatterPair("Advertising spend", "USD thousands", (5, 500), "Units sold", "thousands", (10, 900), 1, ("channels", "years")),
    ScatterPair("Price", "USD", (5, 200), "Units sold", "", (50, 5000), -1, ("channels", "regions")),
    ScatterPair("Temperature", "°C", (-5, 35), "Ice cream sales", "USD", (100, 2500), 1, ("years", "areas")),
    ScatterPair("Study time", "h", (0.5, 20), "Test score", "", (35, 98), 1, ("sexes", "years")),
    ScatterPair("Height", "cm", (150, 200), "Weight", "kg", (48, 110), 1, ("sexes",)),
    ScatterPair("Engine size", "L", (1.0, 5.0), "Fuel efficiency", "km/L", (6, 22), -1, ("years",)),
    ScatterPair("Altitude", "m", (0, 3500), "Average temperature", "°C", (-8, 25), -1, ("years",)),
    ScatterPair("Age", "years", (18, 70), "Income", "USD thousands", (15, 140), 1, ("sexes", "areas")),
    ScatterPair("Rainfall", "mm", (100, 2500), "Crop yield", "t/ha", (1, 9), 1, ("years", "regions")),
    ScatterPair("Interest rate", "%", (0.5, 8), "House price growth", "%", (-6, 12), -1, ("regions",)),
    ScatterPair("Hours of sunshine", "h", (1000, 3500), "Visitors", "thousands", (20, 900), 1, ("years", "regions")),
)  # fmt: skip
