"""Jinja2 templates for generated pages and table images (shipped as package data)."""

from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent
