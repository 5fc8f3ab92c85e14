"""Builders shared by the agreement tests."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from gesprekskaarten.meetings import services
from gesprekskaarten.meetings.models import Step
from tests.factories import make_gesprek


def in_step(step=Step.DISCUSSION, **options):
    """A gesprek in the results or the discussion step, where agreements are made."""
    gesprek = make_gesprek(step="results", **options)
    if step != Step.RESULTS:
        gesprek = services.set_step(gesprek, step)
    return gesprek


def days(n):
    return timezone.localdate() + timedelta(days=n)


def english_client() -> Client:
    """A browser that chose English (the Dutch texts are filled in later)."""
    client = Client()
    client.cookies["gk_language"] = "en"
    return client


def facilitator_of(gesprek) -> Client:
    client = english_client()
    client.force_login(gesprek.created_by)
    return client
