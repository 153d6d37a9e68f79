"""Data for tests of the intake forms: valid posts for each step, a submitted intake."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from patients import services
from patients.models import ConsentDocument, Intake, Patient
from patients.screening import ITEMS

NOW = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)

DETAILS = {
    "address": "2 Mill Lane\nLeeds",
    "emergency_contact_name": "Dana Patient",
    "emergency_contact_phone": "+441134960001",
    "gp_details": "",
    "preferred_contact": "email",
}

QUESTIONNAIRE = {
    "complaint": "Stiff neck after long days at the desk",
    "pain_regions": ["neck", "shoulder_r"],
    "pain_duration": "6w3m",
    "pain_now": "4",
    "pain_best": "2",
    "pain_worst": "7",
    "aggravating": "Driving",
    "easing": "Heat",
    "psfs_activity_1": "Turning my head to reverse the car",
    "psfs_score_1": "3",
    "psfs_activity_2": "",
    "psfs_score_2": "",
    "psfs_activity_3": "",
    "psfs_score_3": "",
    "goals": "Drive without pain",
    "medical_history": "None",
    "medications": "None",
    "allergies": "None",
}


def screening_post(*yes: str) -> dict[str, str]:
    return {item.code: "yes" if item.code in yes else "no" for item in ITEMS}


def make_patient(first_name: str, email: str) -> Patient:
    return Patient.objects.create(
        first_name=first_name,
        last_name="Patient",
        email=email,
        phone="+441134960000",
        date_of_birth=dt.date(1980, 5, 17),
    )


def submitted_intake(patient: Patient, *yes: str, at: dt.datetime = NOW) -> Intake:
    intake = services.intake_open(patient=patient)
    services.intake_save_details(intake=intake, fields={"address": "x"}, now=at)
    fields = {k: v for k, v in QUESTIONNAIRE.items() if not k.startswith(("psfs_", "pain_"))}
    fields |= {"pain_regions": ["neck"], "pain_duration": "6w3m", "pain_now": 4}
    services.intake_save_questionnaire(intake=intake, fields=fields, now=at)
    answers = {item.code: item.code in yes for item in ITEMS}
    services.intake_save_screening(intake=intake, answers=answers)
    services.intake_sign_consent(
        intake=intake,
        document=ConsentDocument.objects.get(is_active=True),
        typed_name=patient.full_name,
        ip_address="192.0.2.1",
        user_agent="pytest",
        now=at,
        review_url="http://testserver/staff/intakes/",
        copy_url="http://testserver/intake/x/copy/",
    )
    intake.refresh_from_db()
    return intake


def staff_user(username: str, role: str):
    user = get_user_model().objects.create_user(
        username=username, password="pw", first_name=username.title(), is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user
