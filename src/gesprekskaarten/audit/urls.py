from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("organisatie/<slug:slug>/logboek/", views.log, name="log"),
    path("organisatie/<slug:slug>/logboek.csv", views.export, name="export"),
]
