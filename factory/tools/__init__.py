"""Tools that read a finished dataset and never change it: preview, report (and their kin).
Each module adds its own `render-factory` sub-command through `add_parser`."""
