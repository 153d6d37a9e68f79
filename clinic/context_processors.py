from django.conf import settings
from django.http import HttpRequest


def clinic(_request: HttpRequest) -> dict[str, str]:
    return {"CLINIC_NAME": settings.CLINIC_NAME, "CLINIC_PHONE": settings.CLINIC_PHONE}
