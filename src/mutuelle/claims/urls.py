from .views import eligibility, offline

urlpatterns = [*eligibility.urlpatterns, *offline.urlpatterns]
