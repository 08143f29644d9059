"""Render Factory: procedural image-to-source pairs packed into WebDataset shards."""

__version__ = "0.1.0"
