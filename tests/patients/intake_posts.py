"""Valid posts for each step of the intake forms."""

from patients.screening import ITEMS

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
