"""Signed notes never change, through the service, the admin or a direct save; amendments
are added instead and shown beneath the original."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from clinic.roles import MANAGER, PRACTITIONER
from patients.clinical import notes
from patients.clinical.errors import ClinicalError
from patients.models import NeedlingEntry, NoteAmendment, TreatmentNote
from tests import factories

LATER = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def signed(clinic, patient) -> TreatmentNote:
    return factories.signed_visit(clinic, patient, 0).note


def test_it_refuses_a_signed_note_in_the_service(clinic, signed):
    with pytest.raises(ClinicalError, match="signed"):
        notes.note_save_draft(
            visit=signed.visit, author=clinic.alice.user, fields={"subjective": "x"}, needling=[]
        )
    with pytest.raises(ClinicalError, match="already signed"):
        notes.note_sign(note=signed, by=clinic.alice.user, now=LATER)

    signed.refresh_from_db()
    assert signed.subjective == "Session 0"
    assert signed.needling.count() == 1


def test_the_database_refuses_a_direct_save_of_a_signed_note(signed):
    signed.subjective = "Rewritten"
    with pytest.raises(IntegrityError, match="signed"), transaction.atomic():
        signed.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentNote.objects.filter(pk=signed.pk).update(plan="Rewritten")
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentNote.objects.filter(pk=signed.pk).delete()

    signed.refresh_from_db()
    assert (signed.subjective, signed.plan) == ("Session 0", "Continue")


def test_the_database_refuses_changes_to_a_signed_notes_needling_log(signed):
    row = signed.needling.get()
    row.lot_number = "OTHER"
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        row.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedlingEntry.objects.create(note=signed, **factories.needling_row())

    assert list(signed.needling.values_list("lot_number", flat=True)) == ["LOT-A1"]


def test_the_database_allows_editing_a_draft(clinic, patient):
    from patients.clinical import visits

    appointment = factories.past_session(clinic, patient, 0)
    visit = visits.recheck_record(
        appointment=appointment, answers=factories.NO_CHANGE, by=clinic.alice.user, now=LATER
    )
    draft = notes.note_save_draft(
        visit=visit,
        author=clinic.alice.user,
        fields={"plan": "a"},
        needling=[factories.needling_row()],
    )
    notes.note_save_draft(
        visit=visit,
        author=clinic.alice.user,
        fields={"plan": "b"},
        needling=[factories.needling_row()] * 2,
    )

    draft.refresh_from_db()
    assert draft.plan == "b"
    assert draft.needling.count() == 2


def test_amendments_are_added_never_changed(clinic, signed):
    first = notes.note_amend(
        note=signed,
        author=clinic.alice.user,
        reason="Wrong side",
        text="Left, not right",
        now=LATER,
    )
    notes.note_amend(
        note=signed,
        author=clinic.alice.user,
        reason="Count",
        text="Three needles",
        now=LATER + dt.timedelta(hours=1),
    )

    first.text = "Changed"
    with pytest.raises(IntegrityError), transaction.atomic():
        first.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        NoteAmendment.objects.filter(pk=first.pk).delete()
    assert [a.reason for a in signed.amendments.all()] == ["Wrong side", "Count"]


def test_a_draft_cannot_be_amended(clinic, patient):
    from patients.clinical import visits

    visit = visits.recheck_record(
        appointment=factories.past_session(clinic, patient, 0),
        answers=factories.NO_CHANGE,
        by=None,
        now=LATER,
    )
    draft = notes.note_save_draft(visit=visit, author=clinic.alice.user, fields={}, needling=[])

    with pytest.raises(ClinicalError, match="draft"):
        notes.note_amend(note=draft, author=clinic.alice.user, reason="r", text="t", now=LATER)


def test_the_pages_show_the_original_and_its_amendments_in_order(clinic, signed):
    notes.note_amend(note=signed, author=clinic.alice.user, reason="First fix", text="A", now=LATER)
    notes.note_amend(
        note=signed,
        author=clinic.alice.user,
        reason="Second fix",
        text="B",
        now=LATER + dt.timedelta(days=1),
    )
    client = Client()
    factories.signed_in(client, factories.in_role(clinic.alice.user, PRACTITIONER))
    reference = signed.visit.appointment.reference

    for url in (
        reverse("patients_staff:visit", args=[reference]),
        reverse("patients_staff:episode", args=[signed.visit.episode_id]),
    ):
        page = client.get(url).content.decode()
        assert page.index("Session 0") < page.index("First fix") < page.index("Second fix"), url
        assert "LOT-A1" in page


def test_the_staff_page_amends_rather_than_edits(clinic, signed):
    client = Client()
    factories.signed_in(client, factories.in_role(clinic.alice.user, PRACTITIONER))
    reference = signed.visit.appointment.reference

    edit = client.post(
        reverse("patients_staff:note_save", args=[reference]),
        {"subjective": "Rewritten", "needling-TOTAL_FORMS": "0", "needling-INITIAL_FORMS": "0"},
        follow=True,
    )
    amend = client.post(
        reverse("patients_staff:note_amend", args=[reference]),
        {"reason": "Typo", "text": "Rewritten"},
    )

    assert "cannot change" in edit.content.decode()
    assert amend.status_code == 302
    signed.refresh_from_db()
    assert signed.subjective == "Session 0"
    assert signed.amendments.get().text == "Rewritten"


def test_the_admin_shows_a_signed_note_read_only_and_takes_amendments(clinic, signed):
    manager = factories.staff(username="mona", role=MANAGER)
    manager.is_superuser = True
    manager.save()
    client = Client()
    factories.signed_in(client, manager)
    url = reverse("admin:patients_treatmentnote_change", args=[signed.pk])

    page = client.get(url)
    response = client.post(
        url,
        {
            "subjective": "Rewritten in the admin",
            "needling-TOTAL_FORMS": "0",
            "needling-INITIAL_FORMS": "1",
            "amendments-TOTAL_FORMS": "1",
            "amendments-INITIAL_FORMS": "0",
            "amendments-0-reason": "Clarify",
            "amendments-0-text": "Added in the admin",
            "_save": "Save",
        },
    )

    assert page.status_code == 200
    assert 'name="subjective"' not in page.content.decode()
    assert response.status_code == 302, response.content.decode()[:2000]
    signed.refresh_from_db()
    assert signed.subjective == "Session 0"
    amendment = signed.amendments.get()
    assert (amendment.text, amendment.author) == ("Added in the admin", manager)
    assert client.get(url.replace("change", "delete")).status_code == 403


def test_a_new_note_can_start_from_the_last_signed_one(clinic, patient, signed):
    from patients.clinical import visits

    later = factories.past_session(clinic, patient, 1)
    visits.recheck_record(
        appointment=later, answers=factories.NO_CHANGE, by=clinic.alice.user, now=LATER
    )
    client = Client()
    factories.signed_in(client, factories.in_role(clinic.alice.user, PRACTITIONER))
    url = reverse("patients_staff:visit", args=[later.reference])

    blank = client.get(url).content.decode()
    copied = client.get(url + "?from_last=1").content.decode()

    assert "Session 0" not in blank
    assert "Session 0" in copied
    assert 'value="LOT-A1"' in copied
    assert not TreatmentNote.objects.filter(visit__appointment=later).exists()  # only a copy


def test_the_admin_logs_who_opened_a_note(clinic, signed):
    from patients.models import PatientAccessLog

    manager = factories.staff(username="mona", role=MANAGER)
    client = Client()
    factories.signed_in(client, manager)

    client.get(reverse("admin:patients_treatmentnote_change", args=[signed.pk]))

    assert PatientAccessLog.objects.filter(user=manager, record="treatment note").exists()
