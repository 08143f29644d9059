"""A chart spec in each engine's own terms: Matplotlib code (matplotlib_code), a Plotly figure and
its script (plotly_code), a Vega-Lite spec (vega_code), the chart-to-code target of each (targets);
and what the three share: where texts go (placement) and WCAG text colours (colours).

What a renderer draws and what the chart-to-code target holds come from the same function, so the
target redraws the very pixels."""
