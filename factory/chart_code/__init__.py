"""A chart spec in each engine's own terms: Matplotlib code (matplotlib_code), a Plotly figure and
its script (plotly_code), a Vega-Lite spec (vega_code), the chart-to-code target of each
(targets), and the WCAG text colours all three share (colours).

What a renderer draws and what the chart-to-code target holds come from the same function, so the
target redraws the very pixels. The placement rules every engine keeps (labels inside or beside
their marks, reference-line texts, balanced lines) live in matplotlib_code, where they began."""
