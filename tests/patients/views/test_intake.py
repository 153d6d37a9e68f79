import datetime as dt

import pytest
import time_machine
from django.core import mail, signing
from django.urls import reverse

from patients import links
from patients.links import intake_url, patient_from_intake_token
from patients.models import ConsentSignature, Intake, IntakeStatus, ScreeningResult
from patients.selectors import intake_statuses, needs_intake
from tests import factories
from tests.factories import NOW, submitted_intake
from tests.patients.intake_posts import DETAILS, QUESTIONNAIRE, screening_post

# Words that would tell a reader of an email something about the patient's health.
CLINICAL_WORDS = ["screening", "pain", "needl", "hold", "pregnan", "diabet", "neck", "phobia"]


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    """Signed links carry a timestamp: with the clock frozen, a link made twice is the same
    link, so pages can be compared with the link a test expects."""
    time_machine.move_to(NOW, tick=False)


def step(patient, name: str) -> str:
    return reverse(f"patients:intake_{name}", args=[links.intake_token(patient)])


def fill_in(client, patient, *yes: str):
    assert client.post(step(patient, "details"), DETAILS).status_code == 302
    assert client.post(step(patient, "questionnaire"), QUESTIONNAIRE).status_code == 302
    assert client.post(step(patient, "screening"), screening_post(*yes)).status_code == 302
    page = client.get(step(patient, "consent"))
    return page.context["document"]


def sign(client, patient, document, **extra):
    data = {"document": document.pk, "agree": "on", "typed_name": "charlie  PATIENT"} | extra
    return client.post(step(patient, "consent"), data, HTTP_USER_AGENT="Firefox/140")


def test_it_walks_a_new_patient_through_every_step(
    client, patient, django_capture_on_commit_callbacks, time_machine
):
    # Frozen, so the signed links compared below carry the same timestamp.
    time_machine.move_to(NOW, tick=False)
    r = client.get(intake_url(patient))
    assert r.status_code == 302
    assert r.url == step(patient, "details")
    document = fill_in(client, patient)
    with django_capture_on_commit_callbacks(execute=True):
        r = sign(client, patient, document)
    assert r.status_code == 302
    assert r.url == step(patient, "done")

    intake = Intake.objects.get(patient=patient)
    assert intake.status == IntakeStatus.CLEARED
    assert intake.pain_regions == ["neck", "shoulder_r"]
    assert (intake.pain_now, intake.pain_best, intake.pain_worst, intake.psfs_score_1) == (
        4,
        2,
        7,
        3,
    )
    patient.refresh_from_db()
    assert patient.emergency_contact_name == "Dana Patient"
    signature = intake.consent
    assert signature.typed_name == "charlie  PATIENT"
    assert signature.ip_address == "127.0.0.1"
    assert signature.user_agent == "Firefox/140"
    assert intake_statuses([patient.pk]) == {patient.pk: "cleared"}
    assert not needs_intake(patient)

    done = client.get(step(patient, "done"))
    assert "nothing else to do" in done.text
    # Cleared: only the patient's copy goes out, and it is only a link.
    assert [m.to for m in mail.outbox] == [["charlie@example.com"]]
    assert step(patient, "copy") in mail.outbox[0].body
    copy = client.get(step(patient, "copy"))
    assert "1 in 1,000" in copy.text
    assert "charlie  PATIENT" in copy.text
    download = client.get(step(patient, "download"))
    assert download["Content-Disposition"].startswith("attachment")
    assert "pneumothorax" in download.content.decode()


@pytest.mark.parametrize(
    ("yes", "status"), [(["diabetes"], "needs_review"), (["needle_phobia", "diabetes"], "hold")]
)
def test_it_tells_patient_and_clinic_to_talk(
    client, patient, django_capture_on_commit_callbacks, yes, status, settings
):
    settings.CLINIC_NAME = "Riverside Clinic"  # every email's footer names the clinic
    document = fill_in(client, patient, *yes)
    with django_capture_on_commit_callbacks(execute=True):
        sign(client, patient, document)

    assert Intake.objects.get().status == status
    assert "will be in touch" in client.get(step(patient, "done")).text
    clinic_mail = [m for m in mail.outbox if m.to == ["appointments@clinic.example"]]
    assert len(clinic_mail) == 1
    assert "http://testserver/staff/intakes/" in clinic_mail[0].body
    for message in mail.outbox:
        text = (message.subject + message.body).lower()
        assert not [word for word in CLINICAL_WORDS if word in text], text
        assert "charlie" not in text


def test_it_signs_only_once_when_posted_twice(client, patient, django_capture_on_commit_callbacks):
    document = fill_in(client, patient)
    with django_capture_on_commit_callbacks(execute=True):
        sign(client, patient, document)
        r = sign(client, patient, document)
    assert r.status_code == 302
    assert r.url == step(patient, "done")
    assert ConsentSignature.objects.count() == 1
    assert len(mail.outbox) == 1
    # Steps posted again after signing change nothing.
    client.post(step(patient, "screening"), screening_post("needle_phobia"))
    assert ScreeningResult.objects.get().outcome == "cleared"


def test_it_updates_the_same_draft_when_a_step_is_posted_again(client, patient):
    client.post(step(patient, "details"), DETAILS)
    client.post(step(patient, "questionnaire"), QUESTIONNAIRE)
    client.post(step(patient, "questionnaire"), QUESTIONNAIRE | {"pain_now": "6"})
    client.post(step(patient, "screening"), screening_post("diabetes"))
    client.post(step(patient, "screening"), screening_post())
    intake = Intake.objects.get()
    assert intake.pain_now == 6
    assert ScreeningResult.objects.get(intake=intake).outcome == "cleared"
    # Coming back later shows what was saved.
    page = client.get(step(patient, "questionnaire"))
    assert 'value="6"' in page.text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"pain_now": "11"}, "pain_now", "less than or equal to 10"),
        ({"pain_worst": "-1"}, "pain_worst", "greater than or equal to 0"),
        ({"psfs_score_1": "12"}, "psfs_score_1", "less than or equal to 10"),
        ({"complaint": ""}, "complaint", "This field is required"),
        ({"pain_regions": []}, "pain_regions", "This field is required"),
        ({"complaint": "x" * 2001}, "complaint", "at most 2000 characters"),
        ({"psfs_activity_2": "Sleeping"}, "psfs_score_2", "score from 0 to 10"),
        ({"pain_best": "8"}, "pain_best", "cannot be higher"),
    ],
)
def test_it_rejects_bad_questionnaire_answers_and_keeps_them(
    client, patient, change, field, message
):
    client.post(step(patient, "details"), DETAILS)
    r = client.post(step(patient, "questionnaire"), QUESTIONNAIRE | change)
    assert r.status_code == 400
    assert message in " ".join(r.context["form"].errors[field])
    assert "Nothing you typed has been lost" in r.text
    assert "Turning my head to reverse the car" in r.text
    assert Intake.objects.get().questionnaire_saved_at is None


def test_it_rejects_missing_details_and_screening_answers(client, patient):
    r = client.post(step(patient, "details"), DETAILS | {"emergency_contact_phone": "12"})
    assert r.status_code == 400
    assert "emergency_contact_phone" in r.context["form"].errors
    assert "Dana Patient" in r.text
    client.post(step(patient, "details"), DETAILS)
    client.post(step(patient, "questionnaire"), QUESTIONNAIRE)
    answers = screening_post("diabetes")
    del answers["epilepsy"]
    r = client.post(step(patient, "screening"), answers)
    assert r.status_code == 400
    assert r.context["form"].errors["epilepsy"] == ["Please answer yes or no."]
    assert r.context["form"]["diabetes"].value() == "yes"
    assert not ScreeningResult.objects.exists()


def test_it_rejects_a_signature_that_is_not_the_patients_name(client, patient):
    document = fill_in(client, patient)
    r = sign(client, patient, document, typed_name="Someone Else")
    assert r.status_code == 400
    assert "full name as it appears" in r.text
    assert "Someone Else" in r.text
    r = sign(client, patient, document, agree="", typed_name="Charlie Patient")
    assert r.status_code == 400
    assert "tick the box" in r.text
    r = sign(client, patient, document, typed_name="C" * 201)
    assert r.status_code == 400
    assert not ConsentSignature.objects.exists()


def test_it_sends_patients_who_skip_ahead_back_to_the_first_open_step(client, patient):
    r = client.get(step(patient, "consent"))
    assert r.url == step(patient, "details")
    client.post(step(patient, "details"), DETAILS)
    assert client.get(step(patient, "screening")).url == step(patient, "questionnaire")


def test_it_opens_only_the_linked_patients_intake(client, patient, dana):
    dana_intake = submitted_intake(dana, "pregnancy")
    client.post(step(patient, "details"), DETAILS)
    client.post(step(patient, "questionnaire"), QUESTIONNAIRE)

    assert patient_from_intake_token(links.intake_token(patient)) == patient
    assert not Intake.objects.filter(patient=dana).exclude(pk=dana_intake.pk).exists()
    assert Intake.objects.get(patient=patient).complaint == QUESTIONNAIRE["complaint"]
    # Charlie's link never shows Dana's signed consent.
    # (Compared by whom the token names: a new token may carry a later timestamp.)
    target = client.get(step(patient, "copy")).url
    assert target.endswith("/details/")
    assert patient_from_intake_token(target.split("/")[2]) == patient
    # A token edited to name Dana fails the signature.
    token = links.intake_token(patient)
    _payload, rest = token.split(":", 1)
    forged = signing.b64_encode(f'{{"p":{dana.pk}}}'.encode()).decode() + ":" + rest
    assert forged != token
    r = client.get(reverse("patients:intake_copy", args=[forged]))
    assert r.status_code == 400
    assert "not working" in r.text


@pytest.mark.parametrize("name", ["intake", "intake_details", "intake_consent", "intake_copy"])
def test_it_explains_a_tampered_link(client, patient, name):
    token = links.intake_token(patient)
    r = client.get(reverse(f"patients:{name}", args=[token[:-2] + "xx"]))
    assert r.status_code == 400
    assert "This link is not working" in r.text


def test_it_explains_an_expired_link(client, patient):
    with time_machine.travel(NOW, tick=False):
        url = intake_url(patient)
    with time_machine.travel(NOW + dt.timedelta(days=31), tick=False):
        r = client.get(url)
    assert r.status_code == 410
    assert "This link has expired" in r.text
    with time_machine.travel(NOW + dt.timedelta(days=29), tick=False):
        assert client.get(url).status_code == 302


def test_it_refuses_links_of_archived_patients(client, patient):
    url = intake_url(patient)
    patient.is_archived = True
    patient.save()
    assert client.get(url).status_code == 400


def test_it_reports_statuses_in_one_query(patient, dana, django_assert_num_queries):
    submitted_intake(dana, "needle_phobia")
    nobody = factories.patient(first_name="Eve")
    with django_assert_num_queries(1):
        # 1. the patients with their latest submitted intake's status
        statuses = intake_statuses([patient.pk, dana.pk, nobody.pk])
    assert statuses == {patient.pk: "missing", dana.pk: "hold", nobody.pk: "missing"}
    assert needs_intake(patient)
    assert not needs_intake(dana)
