"""Realistic degradations (scans, photos, screen captures, re-shared screenshots) for any task.

options: what a recipe's `augment:` section may say (presets, ops, ranges), checked at load.
ops: each op as one albumentations or augraphy call, seeded, moving points with the pixels.
stage: one sample degraded within legibility bounds, its boxes moved, its ops recorded.
"""
