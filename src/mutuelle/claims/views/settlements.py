"""Claims screens: settlements (see tests/isolation/claims_settlements.py)."""

urlpatterns: list = []
