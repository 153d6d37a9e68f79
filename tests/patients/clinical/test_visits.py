"""The per-visit safety re-check: an absolute item blocks needling until a practitioner
clears it with a reason; electrical stimulation stays refused when the screening rules it
out (pacemaker or ICD)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from clinic.roles import PRACTITIONER
from patients import recheck
from patients.clinical import notes, visits
from patients.clinical.errors import ClinicalError
from tests import factories

NOW = dt.datetime(2026, 9, 7, 8, 0, tzinfo=dt.UTC)
ESTIM = {
    "estim_frequency_hz": Decimal(2),
    "estim_intensity_ma": Decimal("1.5"),
    "estim_minutes": 10,
}


def test_the_gate_needs_a_recheck_and_clearance_of_absolute_items():
    kwargs = {"intake_on_hold": False, "screening_estim_allowed": True}
    assert not recheck.gate(answers=None, cleared=False, **kwargs).needling_allowed
    assert recheck.gate(answers=factories.NO_CHANGE, cleared=False, **kwargs).needling_allowed
    relative = recheck.gate(
        answers=factories.NO_CHANGE | {"pregnancy": True}, cleared=False, **kwargs
    )
    assert relative.needling_allowed
    assert relative.flagged == ("pregnancy",)
    absolute = factories.NO_CHANGE | {"acute_emergency": True}
    blocked = recheck.gate(answers=absolute, cleared=False, **kwargs)
    assert not blocked.needling_allowed
    assert blocked.needs_clearance
    assert recheck.gate(answers=absolute, cleared=True, **kwargs).needling_allowed
    held = recheck.gate(
        answers=factories.NO_CHANGE,
        cleared=False,
        intake_on_hold=True,
        screening_estim_allowed=True,
    )
    assert not held.needling_allowed


def test_the_gate_refuses_estim_for_a_pacemaker_whatever_the_clearance():
    at_intake = recheck.gate(
        answers=factories.NO_CHANGE,
        cleared=True,
        intake_on_hold=False,
        screening_estim_allowed=False,
    )
    since = recheck.gate(
        answers=factories.NO_CHANGE | {"pacemaker": True},
        cleared=True,
        intake_on_hold=False,
        screening_estim_allowed=True,
    )
    assert at_intake.needling_allowed
    assert not at_intake.estim_allowed
    assert since.needling_allowed
    assert not since.estim_allowed


def test_an_absolute_item_blocks_needling_until_cleared(clinic, patient):
    factories.episode(patient)
    appointment = factories.past_session(clinic, patient, 0)
    visit = visits.recheck_record(
        appointment=appointment,
        answers=factories.NO_CHANGE | {"acute_emergency": True},
        by=clinic.alice.user,
        now=NOW,
    )
    author = clinic.alice.user

    with pytest.raises(ClinicalError, match="clearance"):
        notes.note_save_draft(
            visit=visit, author=author, fields={}, needling=[factories.needling_row()]
        )
    # Writing the note without needling is fine.
    notes.note_save_draft(visit=visit, author=author, fields={"plan": "Sent to GP"}, needling=[])
    with pytest.raises(ClinicalError, match="reason"):
        visits.recheck_clear(visit=visit, by=author, reason="  ", now=NOW)

    visits.recheck_clear(visit=visit, by=author, reason="Settled; spoke to GP", now=NOW)
    note = notes.note_save_draft(
        visit=visit, author=author, fields={}, needling=[factories.needling_row()]
    )

    assert note.needling.count() == 1
    visit.refresh_from_db()
    assert (visit.cleared_by, visit.clearance_reason) == (author, "Settled; spoke to GP")


def test_needling_waits_for_the_recheck(clinic, patient):
    factories.episode(patient)
    visit = visits.visit_open(appointment=factories.past_session(clinic, patient, 0), now=NOW)

    with pytest.raises(ClinicalError, match="re-check"):
        notes.note_save_draft(
            visit=visit, author=clinic.alice.user, fields={}, needling=[factories.needling_row()]
        )


def test_nothing_to_clear_is_refused(clinic, patient):
    factories.episode(patient)
    visit = visits.recheck_record(
        appointment=factories.past_session(clinic, patient, 0),
        answers=factories.NO_CHANGE,
        by=None,
        now=NOW,
    )

    with pytest.raises(ClinicalError, match="Nothing"):
        visits.recheck_clear(visit=visit, by=clinic.alice.user, reason="x", now=NOW)


def test_estim_is_refused_when_the_screening_disallows_it(clinic, patient):
    factories.episode(patient, "pacemaker")
    visit = visits.recheck_record(
        appointment=factories.past_session(clinic, patient, 0),
        answers=factories.NO_CHANGE,
        by=None,
        now=NOW,
    )
    author = clinic.alice.user

    with pytest.raises(ClinicalError, match="pacemaker"):
        notes.note_save_draft(
            visit=visit, author=author, fields={}, needling=[factories.needling_row(**ESTIM)]
        )
    note = notes.note_save_draft(
        visit=visit, author=author, fields={}, needling=[factories.needling_row()]
    )
    assert note.needling.get().uses_estim is False


def test_estim_is_recorded_when_allowed(clinic, patient):
    factories.episode(patient)
    visit = visits.recheck_record(
        appointment=factories.past_session(clinic, patient, 0),
        answers=factories.NO_CHANGE,
        by=None,
        now=NOW,
    )

    note = notes.note_save_draft(
        visit=visit, author=clinic.alice.user, fields={}, needling=[factories.needling_row(**ESTIM)]
    )

    assert note.needling.get().estim_minutes == 10


def test_the_visit_page_blocks_and_clears(clinic, patient):
    factories.episode(patient)
    appointment = factories.past_session(clinic, patient, 0)
    client = Client()
    factories.signed_in(client, factories.in_role(clinic.alice.user, PRACTITIONER))
    answers = {code: "yes" if code == "needle_phobia" else "no" for code in factories.NO_CHANGE}
    url = reverse("patients_staff:visit", args=[appointment.reference])

    client.post(reverse("patients_staff:visit_recheck", args=[appointment.reference]), answers)
    blocked = client.get(url).content.decode()
    row = {
        "needling-TOTAL_FORMS": "1",
        "needling-INITIAL_FORMS": "0",
        "needling-0-point": factories.needling_row()["point"].pk,
        "needling-0-side": "left",
        "needling-0-needle_count": "2",
        "needling-0-needle_length_mm": "30",
        "needling-0-needle_gauge_mm": "0.25",
        "needling-0-technique": "static",
        "needling-0-lot_number": "LOT-9",
    }
    refused = client.post(reverse("patients_staff:note_save", args=[appointment.reference]), row)
    client.post(
        reverse("patients_staff:visit_clear", args=[appointment.reference]),
        {"reason": "Talked it through; happy to go ahead"},
    )
    saved = client.post(reverse("patients_staff:note_save", args=[appointment.reference]), row)

    assert "Clear needling for this visit" in blocked
    assert refused.status_code == 400
    assert "clearance" in refused.content.decode()
    assert saved.status_code == 302
    assert appointment.visit.note.needling.get().lot_number == "LOT-9"
