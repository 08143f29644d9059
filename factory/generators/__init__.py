"""Generators of Render Factory."""
