"""Tasks of Render Factory."""
