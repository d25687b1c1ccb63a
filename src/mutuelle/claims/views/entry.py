"""Claims screens: entry (see tests/isolation/claims_entry.py)."""

urlpatterns: list = []
