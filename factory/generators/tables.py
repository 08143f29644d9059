"""Tables on request for charts and other generators.

A chart type states what it needs (`TableRequest`); `TableSource.sample` returns a `Table` that
meets it, either generated (`factory.generators.faker_tables`) or cut from the user's files
(`factory.generators.user_tables`). Values are stored already rounded to their column's
decimals, so the drawn labels, the DePlot table and the QA answers all print the same text.
"""

from __future__ import annotations

import numpy as np

from factory.generators.faker_tables import FakerLabels
from factory.generators.table_request import TableOptions, TableRequest, intersect
from factory.tabular import Table


class TableSource:
    """Tables on request, from Faker (default) or from the user's files (validated here, eagerly)."""

    def __init__(self, options: TableOptions):
        self.options = options
        self._user = None
        if options.source != "faker":
            from factory.generators.user_tables import UserTables

            self._user = UserTables(options.source, options.missing, options.label_column)
        self.faker_labels = FakerLabels(options)

    @property
    def user(self):
        """The user's tables (UserTables), or None when tables are generated."""
        return self._user

    def sample(self, rng: np.random.Generator, seed: int, request: TableRequest) -> Table:
        rows = intersect(self.options.rows, request.rows)
        series = intersect(self.options.series, request.series)
        if self._user is not None:
            return self._user.sample(rng, rows, series, request)
        return self.faker_labels.table(rng, seed, rows, series, request)
