import pytest
from django.db import IntegrityError
from django.urls import reverse

from patients import links
from patients.models import ConsentDocument, ConsentSignature
from tests.factories import submitted_intake
from tests.patients.intake_posts import DETAILS, QUESTIONNAIRE, screening_post


def admin_change(document) -> str:
    return reverse("admin:patients_consentdocument_change", args=[document.pk])


def test_it_seeds_a_consent_text_with_the_required_elements(db):
    document = ConsentDocument.objects.get(is_active=True)
    assert document.version == 1
    for phrase in [
        "Benefits",
        "Alternatives",
        "refuse",
        "stop",
        "1 in 5 to 1 in 3",
        "fewer than 1 in 1,000",
        "pneumothorax",
    ]:
        assert phrase in document.body, phrase


def test_it_publishes_an_edit_as_a_new_version(admin_client, patient):
    first = ConsentDocument.objects.get(is_active=True)
    signature = submitted_intake(patient).consent
    r = admin_client.post(admin_change(first), {"title": first.title, "body": "New wording."})
    assert r.status_code == 302

    first.refresh_from_db()
    second = ConsentDocument.objects.get(is_active=True)
    assert (second.version, second.body) == (2, "New wording.")
    assert not first.is_active
    assert first.body != "New wording."
    signature.refresh_from_db()
    assert signature.document == first
    assert ConsentDocument.objects.count() == 2


def test_it_adds_new_versions_from_the_admin(admin_client, db):
    add = reverse("admin:patients_consentdocument_add")
    r = admin_client.post(add, {"title": "Consent", "body": "Version two."})
    assert r.status_code == 302
    assert ConsentDocument.objects.get(is_active=True).version == 2


def test_it_never_deletes_consent_texts_or_edits_signatures(admin_client, patient):
    signature = submitted_intake(patient).consent
    document = signature.document
    delete = reverse("admin:patients_consentdocument_delete", args=[document.pk])
    assert admin_client.get(delete).status_code == 403
    sig_change = reverse("admin:patients_consentsignature_change", args=[signature.pk])
    assert admin_client.get(sig_change).status_code == 200
    admin_client.post(sig_change, {"typed_name": "Forged"})
    signature.refresh_from_db()
    assert signature.typed_name == "Charlie Patient"


def test_it_allows_one_active_version_only(db):
    with pytest.raises(IntegrityError):
        ConsentDocument.objects.create(version=9, title="Other", body="x", is_active=True)


def test_it_stores_the_exact_version_shown(client, admin_client, patient):
    token = links.intake_token(patient)
    client.post(reverse("patients:intake_details", args=[token]), DETAILS)
    client.post(reverse("patients:intake_questionnaire", args=[token]), QUESTIONNAIRE)
    client.post(reverse("patients:intake_screening", args=[token]), screening_post())
    consent = reverse("patients:intake_consent", args=[token])
    shown = client.get(consent).context["document"]

    # The manager publishes a new text while the patient reads the old one.
    admin_client.post(admin_change(shown), {"title": shown.title, "body": "Version two text."})
    signing = {"document": shown.pk, "agree": "on", "typed_name": "Charlie Patient"}
    r = client.post(consent, signing)
    assert r.status_code == 400
    assert "has been updated" in r.text
    assert "Version two text." in r.text
    assert 'value="Charlie Patient"' in r.text
    assert not ConsentSignature.objects.exists()

    current = r.context["document"]
    assert current.version == 2
    client.post(consent, signing | {"document": current.pk})
    assert ConsentSignature.objects.get().document == current
