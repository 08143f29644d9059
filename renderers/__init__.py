"""Renderers: turn a generator's source into pixels and report what they measured.

A renderer knows nothing of tasks. `matplotlib_renderer` draws chart specs and repairs or drops
illegible ones; page renderers drive a headless browser. One instance per worker process.
"""
