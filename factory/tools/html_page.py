"""The head every HTML page a tool writes shares (report, score, audit): one house style, and a
Content-Security-Policy that lets the page load nothing, so a page opened from a dataset folder
cannot reach the network or run script."""

from __future__ import annotations

STYLE = """body{margin:0 auto;max-width:1280px;padding:16px 24px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d1d1f}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 4px}
.muted{color:#666}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:"DejaVu Sans Mono","Liberation Mono",monospace;font-size:12px}
.warn{color:#a33}
.ok{color:#276b2c}
"""


def page_head(title: str, extra_css: str = "") -> str:
    """From the doctype to </head>; `title` may hold Jinja expressions (the caller's template
    renders them)."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="render-factory">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>{title}</title>
<style>
{STYLE}{extra_css}</style>
</head>"""
