"""The claims app's screens, one module per area; each module declares its own `urlpatterns`
(collected by claims/urls.py)."""
