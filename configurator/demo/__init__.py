"""The demo catalog: three products with rules, prices and layered preview art.

`python manage.py seed_demo` (or `configurator.demo.seed.demo_seed`) writes it; the data lives
in `configurator.demo.catalog`, the art in `configurator.demo.art`.
"""
