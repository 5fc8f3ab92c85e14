from django.shortcuts import render

from gesprekskaarten.decks import services as decks


def home(request):
    return render(request, "core/home.html", {"version": decks.default_deck_version()})


def accessibility(request):
    return render(request, "core/accessibility.html")


def privacy(request):
    return render(request, "core/privacy.html")


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)
