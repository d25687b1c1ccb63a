"""Claims screens: letters (see tests/isolation/claims_letters.py)."""

urlpatterns: list = []
