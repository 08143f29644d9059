"""A user's HTML corpus as factory input: reading records, sanitizing pages, filtering them.

`readers` finds and reads the records (folders of pages, WARC, JSONL, Parquet, saved Hugging Face
datasets), `sanitize` makes a page safe and self-contained before it is rendered, `filters`
decides which rendered pages are kept. The `html_corpus` generator ties them together.
"""
