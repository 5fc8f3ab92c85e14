"""A URLconf for tests/core/test_error_reporting.py only: a view that fails at an invitation's
address (its path carries a secret). Never part of the product."""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from gesprekskaarten.urls import urlpatterns as product_urlpatterns


class CardDeckBroke(Exception):
    pass


@csrf_exempt
def failing_view(request, token):
    request.POST.get("note")  # the body is read, as a real view would
    raise CardDeckBroke("The card deck broke")


urlpatterns = [
    path("uitnodiging/<str:token>/", failing_view, name="failing"),  # ahead of the real one
    *product_urlpatterns,
]
