from .views import cash, eligibility, entry, letters, offline, review, settlements

urlpatterns = [
    *eligibility.urlpatterns,
    *offline.urlpatterns,
    *cash.urlpatterns,
    *entry.urlpatterns,
    *letters.urlpatterns,
    *review.urlpatterns,
    *settlements.urlpatterns,
]
