"""Your own tables as chart data: CSV or Parquet files, one file or a folder of them.

Set the table option `source` to a file or a folder (`generators: {charts: {table: {source:
data/}}}`). Files are read once, when the generator starts, and every problem stops the run with
one line that names the file. Every worker process reads them, so each file is read in bounded
memory: its first MAX_TABLE_ROWS data rows and MAX_TABLE_COLUMNS columns, from at most the first
MAX_TABLE_BYTES of a CSV (cut at a line end); a warning says when a file is longer or wider.

Files
- `.csv` (delimiter sniffed: comma, semicolon, tab...), `.tsv`, `.parquet`/`.pq`; UTF-8 (a BOM
  is fine). A folder is searched recursively, in sorted path order; hidden files and other
  extensions are skipped. A folder without any such file is an error. A source that is neither a
  regular file nor a folder (a FIFO, a link to /dev/zero) is refused unopened.
- The first row of a CSV is the header. A file with no data rows is an error.

Columns
- Numeric columns are the series. A CSV column is numeric when every non-empty cell is a plain
  number (`12`, `-3.5`, `1e6`, `+2`); a column whose every non-empty cell ends in `%` (`12.5%`)
  is numeric and shown with a `%`. Thousands separators (`1,234`) and currency signs make a
  column text, not numbers. Parquet integer and float columns are numeric; boolean columns are
  ignored.
- Decimals are taken from the data: a CSV column keeps the most digits after the point that any
  of its cells shows (`12.50` -> 2); a Parquet float column uses the fewest decimals (at most 6)
  that represent every value (float32 values read as their shortest text, 0.1 not 0.10000000149). Values are rounded to those decimals.
- The label column is, in this order: the column named by the option `label_column`; a first
  column that looks like years (named year/period/date, or whole numbers 1000-2999 that only
  increase); the first non-numeric column; otherwise the row number (1..n, header "Row").
- Other non-numeric columns are ignored, as are columns with no value at all and pandas index
  columns ("Unnamed: 0" holding 0..n-1 or 1..n).
- A file with no numeric column is an error.
- The header gives the series name; a trailing "(unit)" becomes the column's unit
  ("Revenue (USD m)" -> unit "USD m").
- Two columns whose headers read the same once the text rule below is applied (`A,A`, `A,A `, or
  Parquet's duplicate names) are an error naming the file and the header: a legend, a DePlot
  header and a question could not tell the two series apart, and renaming one (pandas' `A.1`) or
  dropping one would put a name or a loss in the dataset that the file does not hold. Empty
  headers are not twins.
- The title is the file name: underscores and dashes become spaces, and an all-lowercase name gets
  a capital first letter (`gdp_by_country.csv` -> "Gdp by country", `GDP-2020.csv` -> "GDP 2020").
  A file name must be UTF-8 text.
- Titles, headers and labels follow one rule in the image and in every target
  (`factory.tabular.clean_text`): '|' becomes '/', control characters (NUL, tabs, line breaks)
  become a space, spaces collapse.
- Numbers must lie within +-MAX_ABS_VALUE (1e15): the targets write every value exactly, which
  float64 numbers beyond that cannot promise.

Empty cells (empty, only spaces, NA, N/A, NaN, null, None, -, en and em dashes; a
Parquet null), by the option `missing`. In every mode a row with an empty label is never drawn:
no chart or target shows it as "nan" or null.
- `drop_row` (default): a row is skipped when its label or any series chosen for the chart is
  empty; holes in series the chart does not use do not cost the row.
- `zero`: empty numeric cells count as 0; rows with an empty label are skipped.
- `error`: the first empty cell stops the run, naming file, row (1 = first data row) and column.

Sampling (deterministic from the sample's rng): pick a file that has enough rows and series,
preferring files whose labels are of a kind the chart asks for (years for a line chart...);
pick the series (in file order) and a contiguous window of rows. Charts that need positive
values (pie, donut, log scales) only get series that are positive throughout; a chart that
needs a negative value gets a window that holds one; a scatter chart uses numeric labels (years,
numbers) or the first chosen series as its x column. When no file can satisfy the chart the
sample is dropped with reason `table_unfit` and counted in the manifest. A histogram bins every
value of one numeric column (a file and a column picked by the rng): nothing is invented.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from factory.errors import Dropped, FactoryError
from factory.generators.table_request import TableRequest, detect_label_kind
from factory.tabular import Column, Table, clean_text

log = logging.getLogger(__name__)

SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet"}
NA_TEXT = ["", "NA", "N/A", "n/a", "na", "NaN", "nan", "NULL", "null", "None", "none", "#N/A", "-", "–", "—"]
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_YEAR_NAMES = {"year", "years", "yr", "fiscal year", "period", "date"}
_UNIT_RE = re.compile(r"\(([^()]+)\)\s*$")
MAX_DECIMALS = 6
MAX_TABLE_ROWS = 100_000  # data rows read per file
MAX_TABLE_BYTES = 8 << 20  # bytes of a CSV read per file
MAX_TABLE_CELLS = 5_000_000  # rows x columns read per Parquet file
MAX_TABLE_COLUMNS = 1_000  # columns read per file: each costs a few ms to classify, in every worker
MAX_ABS_VALUE = 1e15
HISTOGRAM_MIN_VALUES = 5


@dataclass
class UserSeries:
    name: str
    values: np.ndarray  # float, NaN where the cell was empty
    decimals: int
    percent: bool

    @functools.cached_property
    def positive(self) -> bool:
        return bool(np.nanmin(self.values) > 0)

    @functools.cached_property
    def negative(self) -> bool:
        return bool((self.values < 0).any())

    @property
    def unit(self) -> str:
        match = _UNIT_RE.search(self.name)
        return "%" if self.percent else (match.group(1).strip() if match else "")


@dataclass
class UserFile:
    path: Path
    name: str  # path relative to the source, for messages and facts
    title: str
    label_header: str
    labels: list[str | None]  # None where the label cell was empty
    label_kind: str
    series: list[UserSeries]
    row_numbers: bool = False  # no label column: labels are 1..n
    _complete: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def rows(self) -> int:
        return len(self.labels)

    @functools.cached_property
    def labelled(self) -> np.ndarray:
        return np.array([label is not None for label in self.labels], dtype=bool)

    def complete_rows(self, chosen: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Rows where the label and every chosen series are present, and the positions among
        those of rows holding a negative value; kept for the last 32 choices of series."""
        hit = self._complete.get(chosen)
        if hit is None:
            ok = self.labelled.copy()
            for j in chosen:
                ok &= ~np.isnan(self.series[j].values)
            idx = np.flatnonzero(ok)
            negative = np.zeros(len(idx), dtype=bool)
            for j in chosen:
                negative |= self.series[j].values[idx] < 0
            hit = (idx, np.flatnonzero(negative))
            if len(self._complete) >= 32:
                self._complete.pop(next(iter(self._complete)))
            self._complete[chosen] = hit
        return hit


class UserTables:
    """Every usable file of a source, loaded and checked up front."""

    def __init__(self, source: str, missing: str = "drop_row", label_column: str | None = None):
        self.source = Path(source).expanduser()
        self.missing = missing
        self.label_column = label_column
        self.files = [self._load(path) for path in self._paths()]

    def _paths(self) -> list[Path]:
        root = self.source
        if not root.exists():
            raise FactoryError(f"table source '{root}' does not exist; set the table option source to a CSV/Parquet file or folder, or to 'faker'")
        if not root.is_dir() and not root.is_file():  # refused unopened: a FIFO blocks, /dev/zero never ends
            raise FactoryError(
                f"table source '{root}' is not a regular file or a folder (a FIFO, device or socket?); "
                "point source at a CSV/Parquet file or a folder of them"
            )
        if root.is_file():
            if root.suffix.lower() not in SUFFIXES:
                raise FactoryError(f"table source '{root}' is not a .csv, .tsv, .parquet or .pq file; convert it or point source at a folder of such files")
            return [root]
        paths = sorted(
            (p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
             and not any(part.startswith(".") for part in p.relative_to(root).parts)),
            key=lambda p: p.relative_to(root).as_posix(),
        )  # fmt: skip
        if not paths:
            raise FactoryError(f"table source folder '{root}' holds no .csv, .tsv, .parquet or .pq file; add some or set source to 'faker'")
        for path in paths:
            try:
                path.relative_to(root).as_posix().encode("utf-8")
            except UnicodeEncodeError:
                shown = str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                raise FactoryError(
                    f"table file name '{shown}' is not UTF-8 text (charts take their titles from file names); rename it"
                ) from None
        return paths

    # loading ---------------------------------------------------------------------------------

    def _load(self, path: Path) -> UserFile:
        name = path.name if self.source.is_file() else path.relative_to(self.source).as_posix()
        frame = _read(path)
        if len(frame.columns) == 0 or len(frame) == 0:
            raise FactoryError(f"table file '{path}' has no data rows; add rows below the header or remove the file")
        columns = _unique_headers(path, [str(c) for c in frame.columns])
        frame.columns = columns
        numeric: dict[str, UserSeries] = {}
        text: dict[str, list[str | None]] = {}
        for col in columns:
            parsed = _column(frame[col], col)
            if isinstance(parsed, UserSeries):
                numeric[col] = parsed
            elif parsed is not None:
                text[col] = parsed
        for col in list(numeric):
            if col.startswith("Unnamed:") and _is_index(numeric[col].values):
                del numeric[col]  # an index pandas wrote along with the data
        for col, series in numeric.items():
            big = np.flatnonzero(np.abs(series.values) > MAX_ABS_VALUE)
            if len(big):
                raise FactoryError(
                    f"table file '{path}', column '{col}', row {big[0] + 1}: {series.values[big[0]]:g} is beyond "
                    f"+-{MAX_ABS_VALUE:g}, the largest magnitude charts write exactly; scale the column (e.g. to billions) or remove it"
                )
        label_header, labels, label_source = self._label(path, columns, numeric, text)
        series = [s for col, s in numeric.items() if col != label_source]
        if not series:
            listed = ", ".join(columns[:8]) + (", ..." if len(columns) > 8 else "")
            raise FactoryError(
                f"table file '{path}' has no numeric column (columns: {listed}); a chart needs at least one column of plain numbers"
            )
        ignored = [c for c in text if c != label_source]
        if ignored:
            log.info("%s: ignoring non-numeric columns %s", name, ignored)
        if self.missing == "error":
            _check_complete(path, labels, series, label_header)
        elif self.missing == "zero":
            for s in series:
                s.values = np.where(np.isnan(s.values), 0.0, s.values)
        present = [x for x in labels if x is not None]
        kind = detect_label_kind(present)
        return UserFile(path, name, _title(path), label_header, labels, kind, series, label_source is None)

    def _label(self, path: Path, columns: list[str], numeric: dict[str, UserSeries],
               text: dict[str, list[str | None]]) -> tuple[str, list[str | None], str | None]:  # fmt: skip
        """(header, labels, column used) following the order in the module docstring."""
        if self.label_column is not None:
            col = self.label_column
            if col in text:
                return col, text[col], col
            if col in numeric:
                return col, _as_labels(numeric[col]), col
            raise FactoryError(
                f"table file '{path}' has no column '{col}' (columns: {', '.join(columns)}); fix the option label_column"
            )
        first = columns[0]
        if first in numeric and _year_like(first, numeric[first].values):
            return first, _as_labels(numeric[first]), first
        for col in columns:
            if col in text:
                return col, text[col], col
        n = len(next(iter(numeric.values())).values) if numeric else 0
        return "Row", [str(i + 1) for i in range(n)], None

    # sampling --------------------------------------------------------------------------------

    def numeric_column(self, rng: np.random.Generator) -> tuple[np.ndarray, UserSeries, UserFile]:
        """Every value of one numeric column (for a histogram): a file, then a column, by `rng`."""
        usable = [
            (f, s) for f in self.files for s in f.series
            if np.count_nonzero(~np.isnan(s.values)) >= HISTOGRAM_MIN_VALUES and np.nanmax(s.values) > np.nanmin(s.values)
        ]  # fmt: skip
        if not usable:
            raise Dropped("table_unfit", f"no numeric column holds {HISTOGRAM_MIN_VALUES}+ different values for a histogram")
        files = list(dict.fromkeys(f.name for f, _ in usable))
        chosen_file = files[int(rng.integers(len(files)))]
        columns = [(f, s) for f, s in usable if f.name == chosen_file]
        file, series = columns[int(rng.integers(len(columns)))]
        return series.values[~np.isnan(series.values)], series, file

    def sample(self, rng: np.random.Generator, rows: tuple[int, int], series: tuple[int, int],
               request: TableRequest) -> Table:  # fmt: skip
        numeric_x = request.numeric_labels
        fit = [f for f in self.files if f.rows >= rows[0] and len(f.series) + (0 if _numeric_labels(f) or not numeric_x else -1) >= series[0]]
        if not fit:
            raise Dropped("table_unfit", f"no table file has {rows[0]}+ rows and {series[0]}+ series")
        if request.label_kinds:
            preferred = [f for f in fit if f.label_kind in request.label_kinds]
            fit = preferred or fit
        file = fit[int(rng.integers(len(fit)))]
        return _cut(file, rng, rows, series, request, self.missing)


def _cut(file: UserFile, rng: np.random.Generator, rows: tuple[int, int], series: tuple[int, int],
         request: TableRequest, missing: str) -> Table:  # fmt: skip
    """A window of rows and a choice of series from one file, as the request needs them."""
    mode = request.values
    pool = list(range(len(file.series)))
    if mode in ("positive", "share"):
        pool = [j for j in pool if file.series[j].positive]
    use_labels_as_x = request.numeric_labels and _numeric_labels(file)
    need_x = request.numeric_labels and not use_labels_as_x
    lo = series[0] + (1 if need_x else 0)
    if len(pool) < lo:
        raise Dropped("table_unfit", f"{file.name}: {len(pool)} usable series for a {mode} chart that needs {lo}")
    k = int(rng.integers(lo, min(series[1] + (1 if need_x else 0), len(pool)) + 1))
    negatives = [j for j in pool if file.series[j].negative]
    if mode == "with_negatives":
        if not negatives:
            raise Dropped("table_unfit", f"{file.name}: no negative values for a chart that needs one")
        first = negatives[int(rng.integers(len(negatives)))]
        rest = [j for j in pool if j != first]
        chosen = sorted([first] + [rest[int(i)] for i in rng.choice(len(rest), size=k - 1, replace=False)])
    else:
        chosen = sorted(pool[int(i)] for i in rng.choice(len(pool), size=k, replace=False))
    cols = [file.series[j] for j in chosen]
    idx, neg_rows = file.complete_rows(tuple(chosen))
    if len(idx) < rows[0]:
        raise Dropped("table_unfit", f"{file.name}: {len(idx)} complete rows for these series, the chart needs {rows[0]}")
    n = int(rng.integers(rows[0], min(rows[1], len(idx)) + 1))
    if mode == "with_negatives":
        if not len(neg_rows):
            raise Dropped("table_unfit", f"{file.name}: no complete row with a negative value for these series")
        anchor = int(neg_rows[int(rng.integers(len(neg_rows)))])
        start = int(rng.integers(max(0, anchor - n + 1), min(anchor, len(idx) - n) + 1))
    else:
        start = int(rng.integers(0, len(idx) - n + 1))
    window = idx[start : start + n]
    if need_x and mode == "with_negatives" and len(cols) > 1 and chosen[0] == first:
        cols.insert(0, cols.pop(1))  # keep the negative series on the y side
    if use_labels_as_x:
        x_col = Column(file.label_header, "number", _unit(file.label_header), _text_decimals(file.labels))
        labels: list[Any] = [float(file.labels[i]) for i in window]  # type: ignore[arg-type]
    elif need_x:
        x = cols.pop(0)
        x_col = Column(x.name, "number", x.unit, x.decimals, x.percent)
        labels = [float(x.values[i]) for i in window]
    else:
        x_col = Column(file.label_header, "label")
        labels = [file.labels[i] for i in window]
    columns = [x_col] + [Column(s.name, "number", s.unit, s.decimals, s.percent) for s in cols]
    data = [[labels[p]] + [float(s.values[i]) + 0.0 for s in cols] for p, i in enumerate(window)]
    values = np.array([row[1:] for row in data], dtype=float)
    facts = {
        "source": "user",
        "file": file.name,
        "first_row": int(window[0]) + 1,
        "last_row": int(window[-1]) + 1,
        "skipped_rows": int(window[-1] - window[0] + 1 - len(window)),
        "label_kind": "number" if request.numeric_labels else file.label_kind,
        "missing": missing,
        "values": "share" if mode == "share" else ("with_negatives" if (values < 0).any() else "positive"),
    }
    if request.label_kinds and file.label_kind not in request.label_kinds and not request.numeric_labels:
        facts["label_kind_mismatch"] = True
    return Table(title=file.title, columns=columns, rows=data, facts=facts)


# reading ---------------------------------------------------------------------------------------


def _read(path: Path) -> Any:
    """The file's first MAX_TABLE_ROWS data rows as a DataFrame, read in bounded memory."""
    import pandas as pd
    import pyarrow

    kind = SUFFIXES[path.suffix.lower()]
    try:
        if kind == "parquet":
            frame, total = _read_parquet(path)
        else:
            with open(path, "rb") as handle:
                data = handle.read(MAX_TABLE_BYTES + 1)
            cut = len(data) > MAX_TABLE_BYTES
            if cut:
                end = data.rfind(b"\n", 0, MAX_TABLE_BYTES)
                if end < 0:
                    raise FactoryError(f"table file '{path}' has a line longer than {MAX_TABLE_BYTES >> 20} MB; is it a CSV file?")
                data = data[: end + 1]
            sep = "\t" if kind == "tsv" else _delimiter(data[: 64 * 1024].decode("utf-8-sig", errors="replace"))
            text = io.TextIOWrapper(io.BytesIO(data), "utf-8-sig", errors="replace", newline="")  # a quoted header may span lines
            header = next(csv.reader(text, delimiter=sep, skipinitialspace=True), [])
            _unique_headers(path, [h for h in header[:MAX_TABLE_COLUMNS] if h.strip()])  # before pandas renames a twin 'A.1'
            if len(header) > MAX_TABLE_COLUMNS:
                log.warning("table file %s is wide: using its first %d of %d columns", path, MAX_TABLE_COLUMNS, len(header))
            frame = pd.read_csv(
                io.BytesIO(data), sep=sep, dtype=str, keep_default_na=False, na_values=NA_TEXT, encoding="utf-8-sig",
                skipinitialspace=True, nrows=MAX_TABLE_ROWS + 1,
                usecols=range(MAX_TABLE_COLUMNS) if len(header) > MAX_TABLE_COLUMNS else None,
            )  # fmt: skip
            total = None if cut or len(frame) > MAX_TABLE_ROWS else len(frame)
            frame = frame.iloc[:MAX_TABLE_ROWS]
        if total != len(frame):
            log.warning("table file %s is long: using its first %d data rows", path, len(frame))
        return frame
    except pd.errors.EmptyDataError as exc:
        raise FactoryError(f"table file '{path}' is empty; add a header and data rows or remove the file") from exc
    except (pd.errors.ParserError, csv.Error, UnicodeDecodeError, pyarrow.ArrowException, OSError, ValueError, TypeError) as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        expected = "a valid Parquet file" if kind == "parquet" else f"valid {kind.upper()} text in UTF-8"
        raise FactoryError(f"cannot read table file '{path}' ({reason}); check that it is {expected}") from exc


def _read_parquet(path: Path) -> tuple[Any, int]:
    """(the first rows of a Parquet file, its row count), reading record batches until enough."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    file = pq.ParquetFile(path)
    arrow_schema = file.schema_arrow  # built anew on every access
    names = arrow_schema.names
    if len(names) > MAX_TABLE_COLUMNS:
        log.warning("table file %s is wide: using its first %d of %d columns", path, MAX_TABLE_COLUMNS, len(names))
    columns = names[:MAX_TABLE_COLUMNS]
    _unique_headers(path, columns)  # Arrow allows twins; pandas would hand back both under one name
    limit = max(1, min(MAX_TABLE_ROWS, MAX_TABLE_CELLS // max(1, len(columns))))
    batches, rows = [], 0
    for batch in file.iter_batches(batch_size=min(limit, 16_384), columns=columns):
        batches.append(batch)
        rows += batch.num_rows
        if rows >= limit:
            break
    schema = pa.schema([arrow_schema.field(i) for i in range(len(columns))])
    table = pa.Table.from_batches(batches, schema=schema).slice(0, limit)
    return table.to_pandas(), file.metadata.num_rows


def _delimiter(sample: str) -> str:
    """The CSV delimiter among , ; tab | (comma when the sample is ambiguous, e.g. one column)."""
    import csv

    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _column(values: Any, name: str) -> UserSeries | list[str | None] | None:
    """A column as numbers (UserSeries), as text labels (list), or None when it holds nothing usable."""
    import pandas as pd

    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return None
    if pd.api.types.is_numeric_dtype(dtype):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
        if dtype == np.float32:  # a float32's shortest text ("0.1"), not its float64 digits
            arr = np.array([float(np.format_float_positional(np.float32(v), unique=True)) for v in arr])
        if np.isnan(arr).all():
            return None
        arr = np.where(np.isfinite(arr), arr, np.nan)
        decimals = 0 if pd.api.types.is_integer_dtype(dtype) else _value_decimals(arr)
        return UserSeries(name, np.round(arr, decimals) + 0.0, decimals, False)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        stamps = pd.to_datetime(values)
        midnight = bool(((stamps.dt.hour == 0) & (stamps.dt.minute == 0) & (stamps.dt.second == 0)).all())
        fmt = "%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M"
        return [None if pd.isna(v) else v.strftime(fmt) for v in stamps]
    text = values.astype(object).map(clean_text, na_action="ignore")
    empty = (values.isna() | text.isin(NA_TEXT)).to_numpy()  # spaces only clean to "", an NA text
    present = text[~empty]
    if present.empty:
        return None
    parsed = _numbers(present)
    if parsed is None:  # None, not pandas' NaN: a NaN label would be drawn and written as "nan"
        return [None if hole else label for label, hole in zip(text.tolist(), empty)]
    numbers, decimals, percent = parsed
    arr = np.full(len(text), np.nan)
    arr[~empty] = numbers
    return UserSeries(name, np.round(arr, decimals) + 0.0, decimals, percent)


def _numbers(cells: Any) -> tuple[np.ndarray, int, bool] | None:
    """Plain numbers (all with '%', or none): values, decimals shown, percent; else None.

    `cells` is a pandas Series of non-empty strings; the checks are vectorised because user
    files may hold millions of cells.
    """
    import pandas as pd

    head = cells.iloc[: 20]
    percent = bool(head.iloc[0].endswith("%"))
    if percent:
        if not cells.str.endswith("%").all():
            return None
        cells = cells.str[:-1].str.rstrip()
    if not head.str.rstrip("%").str.rstrip().str.fullmatch(_NUMBER).all():  # cheap early exit for text
        return None
    try:  # C-speed parse; "inf", "nan" and anything not a number fail below
        values = pd.to_numeric(cells, errors="raise").to_numpy(dtype=float)
    except (ValueError, TypeError):
        return None
    if not np.isfinite(values).all():
        return None
    exponent = cells.str.contains("[eE]", regex=True).to_numpy()
    if exponent.any() and not cells[exponent].str.fullmatch(_NUMBER).all():
        return None
    dot = cells.str.find(".").to_numpy()
    digits = np.where((dot >= 0) & ~exponent, cells.str.len().to_numpy() - dot - 1, 0)
    decimals = int(digits.max()) if len(digits) else 0
    if exponent.any():
        decimals = max(decimals, _value_decimals(values[exponent]))
    return values, min(decimals, MAX_DECIMALS), percent


def _value_decimals(arr: np.ndarray) -> int:
    """Fewest decimals (<= MAX_DECIMALS) that represent every value."""
    finite = arr[np.isfinite(arr)]
    for d in range(MAX_DECIMALS + 1):
        scaled = finite * 10.0**d
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-9 * np.maximum(1.0, np.abs(scaled))):
            return d
    return MAX_DECIMALS


def _is_index(values: np.ndarray) -> bool:
    n = len(values)
    return bool(np.array_equal(values, np.arange(n)) or np.array_equal(values, np.arange(1, n + 1)))


def _year_like(name: str, values: np.ndarray) -> bool:
    if np.isnan(values).any() or not np.all(values == np.round(values)):
        return False
    if name.strip().casefold() in _YEAR_NAMES:
        return True
    return bool(len(values) >= 2 and np.all((values >= 1000) & (values <= 2999)) and np.all(np.diff(values) > 0))


def _as_labels(series: UserSeries) -> list[str | None]:
    col = Column(series.name, "number", "", series.decimals, False)
    return [None if math.isnan(v) else f"{v:.{col.decimals}f}" for v in series.values]


def _numeric_labels(file: UserFile) -> bool:
    """Labels that can serve as a scatter chart's x values (years, numbers; not row numbers)."""
    if file.row_numbers or file.label_kind not in ("years", "number"):
        return False
    return all(x is None or re.fullmatch(_NUMBER, x) for x in file.labels)


def _text_decimals(labels: list[str | None]) -> int:
    return max((len(x.split(".", 1)[1]) for x in labels if x is not None and "." in x), default=0)


def _unit(name: str) -> str:
    match = _UNIT_RE.search(name)
    return match.group(1).strip() if match else ""


def _check_complete(path: Path, labels: list[str | None], series: list[UserSeries], label_header: str) -> None:
    holes = []
    for i, label in enumerate(labels):
        if label is None:
            holes.append((i, label_header))
            break
    for s in series:
        empty = np.flatnonzero(np.isnan(s.values))
        if len(empty):
            holes.append((int(empty[0]), s.name))
    if holes:
        row, col = min(holes, key=lambda h: h[0])
        raise FactoryError(
            f"table file '{path}': empty cell in row {row + 1} (1 = first data row), column '{col}'; "
            "fill it in, or set the table option missing to drop_row or zero"
        )


def _unique_headers(path: Path, headers: list[str]) -> list[str]:
    """The headers as drawn (clean_text); two alike are an error naming the file and the header.

    Two series with one name could not be told apart in a legend, a DePlot header or a question,
    and renaming one (pandas' 'A.1') or dropping one would put a header or a loss in the dataset
    that the user never wrote: only the user knows which name each column deserves."""
    cleaned = [clean_text(h) for h in headers]
    seen: dict[str, str] = {}
    for raw, name in zip(headers, cleaned):
        if name in seen:
            how = "" if seen[name] == raw else " (after '|', control characters and spaces are replaced)"
            raise FactoryError(
                f"table file '{path}' has two columns named '{name}'{how}; rename one, since a chart could not tell their series apart"
            )
        seen[name] = raw
    return cleaned


def _title(path: Path) -> str:
    words = clean_text(re.sub(r"[_\-]+", " ", path.stem))
    return words[:1].upper() + words[1:] if words.islower() else words
