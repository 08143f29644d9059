"""How people word chart questions: several phrasings per operation, with slots filled independently.

Each operation has at least five templates; a question samples its template, its opening ("What
is" / "What's" / "Tell me"), the way it names a measure, a row and a series each on its own, so
two charts of the same kind rarely get the same sentence. Slots: {ask} an opening for a value,
{cell}/{cell2}/{cell3} cell references, {S}/{T} series references, {dim}/{dims} the label noun,
{R}/{R2} row references with their preposition, {L}/{L2} bare row labels, {k}, {t} (a threshold as
the chart writes it), {marks}/{mark} the mark noun, {hi}/{lo} "highest"/"lowest" words.
"""

from __future__ import annotations

import numpy as np

TEMPLATES: dict[str, tuple[str, ...]] = {
    "lookup": (
        "{ask} {cell}?", "According to the chart, how much is {cell}?", "According to the chart, {askl} {cell}?",
        "How much is {cell}?", "{ask} {cell}, according to the chart?", "Read off {cell}.",
        "What is the exact figure for {cell}?",
    ),
    "extreme_value": (
        "{ask} the {hi} {S_bare}?", "What is the {hi} value of {S}?", "How large is the {hi} {S_bare} shown?",
        "According to the chart, {askl} the {hi} {S_bare}?", "What is the {hi} {S_bare} across all {dims}?",
        "Among all {dims}, what is the {hi} {S_bare}?",
    ),
    "difference": (
        "What is the difference between {cell} and {cell2}?", "How big is the gap between {cell} and {cell2}?",
        "By how much do {cell} and {cell2} differ?", "What is the absolute difference between {cell} and {cell2}?",
        "How far apart are {cell} and {cell2}?", "Compute the difference between {cell} and {cell2}.",
    ),
    "sum": (
        "What is the sum of {cell} and {cell2}?", "What do {cell} and {cell2} add up to?",
        "What is {cell} plus {cell2}?", "Add {cell} and {cell2}: what is the total?",
        "What is the combined value of {cell} and {cell2}?", "What is the total of {cell} and {cell2}?",
    ),
    "total": (
        "What is the total {S_bare} across all {dims}?", "What is the sum of {S} over all {dims}?",
        "What do all {dims} add up to for {S}?", "How much is {S} in total?", "What is the overall total of {S}?",
        "Summing every {dim}, what is {S}?",
    ),
    "average": (
        "What is the average {S_bare} across all {dims}?", "What is the mean of {S}?",
        "On average, what is {S} per {dim}?", "What is the average value of {S}?",
        "Across the {dims}, what is the mean {S_bare}?", "What is the mean value of {S} over all {dims}?",
    ),
    "ratio": (
        "What is the ratio of {cell} to {cell2}?", "How many times {cell2} is {cell}?",
        "What is {cell} divided by {cell2}?", "What is the ratio between {cell} and {cell2}?",
        "Divide {cell} by {cell2}: what do you get?", "What is {cell} as a multiple of {cell2}?",
    ),
    "diff_extremes": (
        "What is the difference between the highest and the lowest {S_bare}?",
        "How big is the gap between the largest and the smallest {S_bare}?",
        "What is the range of {S}, from lowest to highest?", "By how much does the highest {S_bare} exceed the lowest?",
        "What is the difference between the maximum and minimum of {S}?",
        "Subtract the lowest {S_bare} from the highest: what is left?",
    ),
    "count_threshold": (
        "For how many {dims} is {S} {cmp} {t}?", "How many {dims} have {S} {cmp} {t}?",
        "In how many {dims} is {S} {cmp} {t}?", "Count the {dims} where {S} is {cmp} {t}.",
        "How many {dims} show {S} {cmp} {t}?", "How many of the {dims} have {S} {cmp} {t}?",
    ),
    "count_mean": (
        "How many {dims} have {S} {cmp} the average?", "For how many {dims} is {S} {cmp} its mean?",
        "How many {dims} are {cmp} the average {S_bare}?", "Count the {dims} whose {S_bare} is {cmp} the mean.",
        "In how many {dims} is {S} {cmp} the average across all {dims}?",
        "How many {dims} lie {cmp} the mean of {S}?",
    ),
    "count_rows": (
        "How many {dims} are shown for {S}?", "How many {dims} does the chart cover for {S}?",
        "How many {marks} does {S} have?", "Count the {dims} shown for {S}.", "For how many {dims} is {S} plotted?",
        "How many different {dims} have a value of {S}?",
    ),
    "count_series": (
        "How many {series_noun} are shown for the {dims}?", "How many {series_noun} does the chart plot across the {dims}?",
        "Count the {series_noun} drawn for each {dim}.", "How many {series_noun} are there for each {dim}?",
        "How many {series_noun} does the legend list for the {dims}?", "How many different {series_noun} are plotted across the {dims}?",
    ),
    "rank": (
        "Where does {L} rank in {S}, counting from the highest?", "What is the rank of {L} by {S_bare}, with 1 the highest?",
        "Ranked from highest to lowest {S_bare}, what position is {L} in?",
        "Counting from the top, what rank does {L} have in {S}?", "In order of {S_bare} from largest down, where is {L}?",
        "If the {dims} were sorted by {S_bare}, highest first, what place would {L} take?",
    ),
    "sum_top": (
        "What is the sum of the {k} {hi} values of {S}?", "What do the top {k} {dims} by {S_bare} add up to?",
        "What is the combined {S_bare} of the {k} {hi}-ranked {dims}?",
        "Adding the {k} {hi} {S_bare} figures, what is the total?", "What is the total of the {k} {hi} {dims} for {S}?",
        "Take the {k} {dims} with the {hi} {S_bare}: what is their sum?",
    ),
    "share": (
        "What share of the total {S_bare} does {L} account for?", "What percentage of all {S} comes from {L}?",
        "{L} makes up what percent of the total {S_bare}?", "What is {L}'s share of the total {S_bare}, in percent?",
        "As a percentage of the total {S_bare}, how much is {L}?", "How many percent of the overall {S_bare} is {L}?",
    ),
    "change": (
        "What is the change in {S} from {L} to {L2}?", "By how much did {S} change between {L} and {L2}?",
        "How much did {S} go up or down from {L} to {L2}?", "What was the change in {S_bare} from {L} to {L2}?",
        "From {L} to {L2}, how much did {S} change?", "What is {S} in {L2} minus {S} in {L}?",
    ),
    "mean_filtered": (
        "What is the average {S_bare} of the {dims} {cmp} {t}?", "Among the {dims} with {S} {cmp} {t}, what is the mean?",
        "Taking only the {dims} where {S} is {cmp} {t}, what is their average?",
        "What is the mean {S_bare} for {dims} {cmp} {t}?", "Average {S} over the {dims} {cmp} {t}: what is it?",
        "Of the {dims} whose {S_bare} is {cmp} {t}, what is the average value?",
    ),
    "sum_filtered": (
        "What is the total {S_bare} of the {dims} {cmp} {t}?", "Adding up {S} for the {dims} {cmp} {t}, what do you get?",
        "What is the sum of {S} over the {dims} {cmp} {t}?", "Among the {dims} with {S} {cmp} {t}, what is the total?",
        "What do the {dims} with {S_bare} {cmp} {t} add up to?", "Sum {S} for every {dim} {cmp} {t}.",
    ),
    "extreme_label": (
        "Which {dim} has the {hi} {S_bare}?", "Which {dim} shows the {hi} {S_bare}?", "What {dim} has the {hi} value of {S}?",
        "Which {dim} is {top} in {S}?", "For which {dim} is {S} the {hi}?", "Name the {dim} with the {hi} {S_bare}.",
    ),
    "nth_label": (
        "Which {dim} has the {nth} {hi} {S_bare}?", "Which {dim} ranks {nth} for {S}, from the {hi}?",
        "What {dim} has the {nth}-{hi} value of {S}?", "Name the {dim} with the {nth} {hi} {S_bare}.",
        "Counting from the {hi}, which {dim} comes {nth} in {S}?", "Which {dim} is {nth} {hi} in {S}?",
    ),
    "compare_label": (
        "Which {dim} has the higher {S_bare}: {L} or {L2}?", "Which is higher in {S}, {L} or {L2}?",
        "Between {L} and {L2}, which has more {S_bare}?", "Which {dim} shows the larger {S_bare}, {L} or {L2}?",
        "{L} or {L2}: which has the greater {S_bare}?", "Of {L} and {L2}, which {dim} is higher for {S}?",
    ),
    "gap_label": (
        "For which {dim} is the difference between {S} and {T} the largest?",
        "Which {dim} shows the biggest gap between {S} and {T}?", "Where do {S} and {T} differ the most?",
        "In which {dim} are {S} and {T} furthest apart?", "Which {dim} has the largest difference between {S} and {T}?",
        "Which {dim} separates {S} and {T} by the widest margin?",
    ),
    "position_label": (
        "Which {dim} does {pos} show?", "Which {dim} does {pos} stand for?", "What {dim} is {pos}?",
        "Which {dim} is shown by {pos}?", "Name the {dim} of {pos}.", "Which {dim} is labelled at {pos}?",
    ),
    "colour_series": (
        "Which series is shown in {colour}?", "What does the {colour} {mark_of_series} represent?",
        "Which series do the {colour} {marks} stand for?", "What is the {colour} {mark_of_series} in the legend?",
        "Which legend entry is {colour}?", "What is plotted in {colour}?",
    ),
    "series_colour": (
        "What colour is {S}?", "In which colour is {S} drawn?", "What colour are the {marks} for {S}?",
        "Which colour represents {S}?", "What is the colour of {S} in the chart?", "{S} is shown in which colour?",
    ),
    "axis_title": (
        "What does the {axis} axis show for the {dims}?", "The chart covers {dims}: what is the title of its {axis} axis?",
        "Across the {dims}, what is measured on the {axis} axis?", "What is the {axis}-axis label of this chart of {dims}?",
        "For the {dims} shown, what does the {axis} axis represent?", "What is written along the {axis} axis, beside the {dims}?",
    ),
    "compare_yesno": (
        "Is {cell} higher than {cell2}?", "Is {cell} greater than {cell2}?", "Does {cell} exceed {cell2}?",
        "Is {cell} lower than {cell2}?", "Is {cell} less than {cell2}?", "Is {cell} smaller than {cell2}?",
    ),
    "above_mean_yesno": (
        "Is {cell} above the average of {S}?", "Is {cell} higher than the mean {S_bare}?",
        "Does {cell} exceed the average across all {dims}?", "Is {cell} below the average of {S}?",
        "Is {cell} lower than the mean {S_bare}?", "Does {cell} fall below the average across all {dims}?",
    ),
    "trend_yesno": (
        "Did {S} increase from {L} to {L2}?", "Did {S} rise between {L} and {L2}?", "Was {S} higher in {L2} than in {L}?",
        "Did {S} decrease from {L} to {L2}?", "Did {S} fall between {L} and {L2}?", "Was {S} lower in {L2} than in {L}?",
    ),
    "is_extreme": (
        "Does {L} have the {hi} {S_bare}?", "Is {L} the {dim} with the {hi} {S_bare}?", "Is {S} {hi} in {L}?",
        "Is the {hi} {S_bare} found in {L}?", "Does {L} show the {hi} value of {S}?", "Is {L} {top} in {S}?",
    ),
    "sum_yesno": (
        "Is the sum of {cell} and {cell2} greater than {cell3}?", "Do {cell} and {cell2} together exceed {cell3}?",
        "Is {cell} plus {cell2} more than {cell3}?", "Is the sum of {cell} and {cell2} smaller than {cell3}?",
        "Do {cell} and {cell2} together add up to less than {cell3}?", "Is {cell} plus {cell2} less than {cell3}?",
    ),
}
# yes/no templates whose question asks "lower/less/fell": the first three of each ask "higher"
DOWNWARD_FROM = 3

ASK = ("What is", "What's", "How much is", "How large is")
ASK_LOWER = ("what is", "what's")
HIGH = {True: ("highest", "largest", "greatest", "biggest"), False: ("lowest", "smallest", "least")}
TOP = {True: ("top", "first"), False: ("last", "bottom")}
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth")


CMP = {True: ("above", "more than", "greater than", "higher than", "over"), False: ("below", "less than", "lower than", "under")}


def hi_slots(rng: np.random.Generator, high: bool) -> dict[str, object]:
    return {"hi": pick(rng, HIGH[high]), "top": pick(rng, TOP[high])}


def ask_slots(rng: np.random.Generator) -> dict[str, object]:
    return {"ask": pick(rng, ASK), "askl": pick(rng, ASK_LOWER)}


def pick(rng: np.random.Generator, items) -> object:
    items = list(items)
    return items[int(rng.integers(len(items)))]


def plural(noun: str) -> str:
    """English plural of a label noun ("country" -> "countries", "mode of transport" -> "modes of transport")."""
    if not noun.isascii() or not noun:
        return noun
    if " of " in noun:
        head, _, tail = noun.partition(" of ")
        return f"{plural(head)} of {tail}"
    if noun.endswith("y") and len(noun) > 1 and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith("s") and not noun.endswith("ss"):
        return noun  # already plural ("emissions", "sales")
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def fill(rng: np.random.Generator, op: str, slots: dict[str, object], template: int | None = None,
         templates: dict[str, tuple[str, ...]] | None = None) -> str:
    """One phrasing of `op` with its slots (from `templates`, TEMPLATES by default); callable slot
    values are sampled per use."""
    pool = (TEMPLATES if templates is None else templates)[op]
    text = pool[int(rng.integers(len(pool)))] if template is None else pool[template]
    values = {}
    for key, value in slots.items():
        if "{" + key + "}" in text:
            values[key] = value(rng) if callable(value) else value
    out = text.format(**values)
    return out[0].upper() + out[1:]


# Tables (table images and the tables of documents): the chart phrasings that name no chart, and
# phrasings of the operations only tables have. Extra slots: {C} a category column's name, {v} one
# of its values (quoted), {T_bare} a second numeric column, {t} a threshold as the table writes it,
# {F}/{F2} a document's amounts ("the subtotal").
TABLE_TEMPLATES: dict[str, tuple[str, ...]] = {
    **{op: tuple(t.replace("the chart", "the table") for t in TEMPLATES[op]) for op in (
        "extreme_value", "difference", "sum", "total", "average", "diff_extremes", "count_threshold", "count_mean", "rank",
        "sum_top", "mean_filtered", "sum_filtered", "extreme_label", "nth_label", "compare_label", "compare_yesno",
        "above_mean_yesno", "is_extreme", "sum_yesno")},  # fmt: skip
    "lookup": (
        "{ask} {cell}?", "According to the table, how much is {cell}?", "According to the table, {askl} {cell}?",
        "How much is {cell}?", "{ask} {cell}, according to the table?", "Read off {cell} from the table.",
        "What is the exact figure for {cell}?", "What value does the table give for {cell}?",
    ),
    "text_lookup": (
        "What is the {C} of {L}?", "Which {C} is listed for {L}?", "What does the {C} column say for {L}?",
        "According to the table, what is the {C} of {L}?", "What {C} does {L} have?", "For {L}, what is given under {C}?",
    ),
    "extreme_text": (
        "What is the {C} of the {dim} with the {hi} {S_bare}?", "Which {C} does the {dim} with the {hi} {S_bare} have?",
        "The {dim} with the {hi} {S_bare}: what is its {C}?", "What {C} is listed for the {dim} whose {S_bare} is the {hi}?",
        "For the {dim} that is {top} in {S}, what is the {C}?", "Find the {dim} with the {hi} {S_bare}; what is its {C}?",
    ),
    "extreme_other": (
        "What is the {T_bare} of the {dim} with the {hi} {S_bare}?", "For the {dim} with the {hi} {S_bare}, what is the {T_bare}?",
        "How much is the {T_bare} of the {dim} that is {top} in {S}?", "What {T_bare} does the {dim} with the {hi} {S_bare} show?",
        "The {dim} with the {hi} {S_bare} has what {T_bare}?", "Find the {dim} with the {hi} {S_bare}: what is its {T_bare}?",
    ),
    "count_rows": (
        "How many {dims} does the table list?", "How many {dims} are in the table?", "Count the {dims} listed in the table.",
        "How many {dims} does the table have rows for?", "How many different {dims} does the table cover?",
        "How many {dims} are listed?",
    ),
    "count_match": (
        "How many {dims} have {C} {v}?", "For how many {dims} is the {C} {v}?", "Count the {dims} whose {C} is {v}.",
        "How many {dims} are listed with {C} {v}?", "How many rows show {v} as the {C}?",
        "In how many {dims} does the {C} column read {v}?",
    ),
    "sum_where": (
        "What is the total {S_bare} of the {dims} whose {C} is {v}?", "Adding up {S} for the {dims} with {C} {v}, what do you get?",
        "What is the sum of {S} over the {dims} with {C} {v}?", "Among the {dims} whose {C} is {v}, what is the total {S_bare}?",
        "What do the {dims} with {C} {v} add up to in {S}?", "Sum {S} for every {dim} whose {C} is {v}.",
    ),
    "mean_where": (
        "What is the average {S_bare} of the {dims} whose {C} is {v}?", "Among the {dims} with {C} {v}, what is the mean {S_bare}?",
        "Taking only the {dims} whose {C} is {v}, what is their average {S_bare}?", "What is the mean of {S} for {dims} with {C} {v}?",
        "Average {S} over the {dims} with {C} {v}: what is it?", "Of the {dims} whose {C} is {v}, what is the average {S_bare}?",
    ),
    "threshold_yesno": (
        "Is {cell} above {t}?", "Is {cell} more than {t}?", "Does {cell} exceed {t}?",
        "Is {cell} below {t}?", "Is {cell} less than {t}?", "Is {cell} under {t}?",
    ),
    "has_yesno": (
        "Is the {C} of {L} {v}?", "Does {L} have {C} {v}?", "Is {L} listed with {C} {v}?", "Is {v} the {C} given for {L}?",
        "Does the {C} column read {v} for {L}?", "According to the table, is the {C} of {L} {v}?",
    ),
    "field_sum": (
        "What is {F} plus {F2}?", "What do {F} and {F2} add up to?", "What is the sum of {F} and {F2}?",
        "Adding {F} and {F2}, what do you get?", "What is the combined amount of {F} and {F2}?", "How much are {F} and {F2} together?",
    ),
    "field_difference": (
        "What is the difference between {F} and {F2}?", "By how much does {F} exceed {F2}?", "How much more is {F} than {F2}?",
        "What is {F} minus {F2}?", "Subtract {F2} from {F}: what is left?", "How far apart are {F} and {F2}?",
    ),
    "field_yesno": (
        "Is {F} higher than {F2}?", "Is {F} greater than {F2}?", "Does {F} exceed {F2}?",
        "Is {F} lower than {F2}?", "Is {F} less than {F2}?", "Is {F} smaller than {F2}?",
    ),
    "items_vs_field_yesno": (
        "Is the {hi} {S_bare} more than {F}?", "Does the {hi} {S_bare} exceed {F}?", "Is the {hi} {S_bare} above {F}?",
        "Is the {hi} {S_bare} less than {F}?", "Is the {hi} {S_bare} below {F}?", "Is the {hi} {S_bare} under {F}?",
    ),
}
