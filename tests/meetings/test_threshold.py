"""The anonymity threshold k is fixed once marking has started, in every door (issue 13):
lowering it after answers are in would show counts that were hidden when people answered."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from gesprekskaarten.meetings import services
from gesprekskaarten.meetings.models import Gesprek, ThresholdFixed
from tests.factories import make_gesprek

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    user = get_user_model().objects.create_superuser("beheerder", password="a-Long-pass-123")
    client = Client()
    client.force_login(user)
    return client


def answered(threshold=5) -> Gesprek:
    gesprek = make_gesprek(cards=1, audience="everyone", threshold=threshold, step="marking")
    behaviour = services.behaviours_of(gesprek).first()
    for _person in range(2):
        participant, _token = services.join(gesprek)
        services.save_answers(participant, {behaviour.pk: ("missing", False)})
    return gesprek


def change_form_data(admin, gesprek, **changes) -> dict:
    """What the admin's change form posts: every field as shown, with `changes`."""
    page = admin.get(f"/beheer/meetings/gesprek/{gesprek.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if hasattr(field.widget, "widgets"):  # a date and a time
            parts = field.widget.decompress(form[name].initial)
            for index, (widget, part) in enumerate(zip(field.widget.widgets, parts, strict=True)):
                data[f"{name}_{index}"] = widget.format_value(part) or ""
        elif value is not None:
            data[name] = value
    return {**data, **changes}


def test_the_admin_cannot_lower_k_after_answers_are_in(admin):
    gesprek = answered(threshold=5)
    page = admin.get(f"/beheer/meetings/gesprek/{gesprek.pk}/change/")
    assert "threshold" not in page.context["adminform"].form.fields  # shown, not editable
    response = admin.post(
        f"/beheer/meetings/gesprek/{gesprek.pk}/change/",
        change_form_data(admin, gesprek, threshold="2", title="Nieuw"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    gesprek.refresh_from_db()
    assert (gesprek.threshold, gesprek.title) == (5, "Nieuw")


def test_the_admin_can_change_k_before_marking(admin):
    gesprek = make_gesprek(threshold=5)
    response = admin.post(
        f"/beheer/meetings/gesprek/{gesprek.pk}/change/",
        change_form_data(admin, gesprek, threshold="4"),
    )
    assert response.status_code == 302
    gesprek.refresh_from_db()
    assert gesprek.threshold == 4


@pytest.mark.parametrize("step", ["marking", "results", "discussion", "closed"])
def test_the_model_refuses_a_new_k_once_marking_started(step):
    gesprek = answered(threshold=5)
    for next_step in {"marking": [], "results": ["results"], "discussion": ["results", step]}.get(
        step, [step]
    ):
        services.set_step(gesprek, next_step)
    gesprek.threshold = 2
    with pytest.raises(ValidationError) as refused:
        gesprek.full_clean()
    assert [error.code for error in refused.value.error_dict["threshold"]] == ["threshold_fixed"]
    with pytest.raises(ThresholdFixed):
        gesprek.save()
    gesprek.refresh_from_db()
    assert gesprek.threshold == 5


def test_the_database_refuses_a_new_k_past_the_model():
    gesprek = answered(threshold=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Gesprek.objects.filter(pk=gesprek.pk).update(threshold=2)
    gesprek.refresh_from_db()
    assert gesprek.threshold == 5
    # Other fields still change, and k itself while in the lobby.
    Gesprek.objects.filter(pk=gesprek.pk).update(title="Anders", threshold=5)
    lobby = make_gesprek(threshold=5)
    Gesprek.objects.filter(pk=lobby.pk).update(threshold=3)
    lobby.refresh_from_db()
    assert lobby.threshold == 3
