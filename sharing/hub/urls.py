"""The hub's pages: applying for and deciding approved uses, officials' look-ups, oversight.

Each part adds its own patterns here; the views live in one module per part (views_*.py).
"""

from __future__ import annotations

app_name = "hub"

urlpatterns: list = []
