"""What the API accepts and returns. Bounds on every id and string, so bad input is a
422 from validation, never a database error."""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import AwareDatetime

# PostgreSQL integer ids; larger numbers are bad input, not a lookup.
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Slug = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")]
Reference = Annotated[str, Field(min_length=1, max_length=12, pattern=r"^[A-Za-z0-9]+$")]
# Free text without control characters (PostgreSQL refuses NUL in text).
Text = Annotated[str, Field(max_length=200, pattern=r"^[^\x00-\x1f]*$")]


class SlotOut(Schema):
    start: dt.datetime
    end: dt.datetime
    practitioner_id: int


class AppointmentOut(Schema):
    reference: str
    status: str
    start: dt.datetime
    end: dt.datetime
    service: str = Field(..., description="The service's slug.")
    location: str = Field(..., description="The location's slug.")
    practitioner_id: int
    room: str
    patient_id: int
    course_id: int | None


class BookIn(Schema):
    patient_id: Id
    service: Slug
    location: Slug
    practitioner_id: Id | None = None
    start: AwareDatetime


class RescheduleIn(Schema):
    start: AwareDatetime
    practitioner_id: Id | None = None


class CancelIn(Schema):
    reason: Text = ""


class PatientOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    date_of_birth: dt.date


class ErrorOut(Schema):
    detail: str
    code: str = ""
    alternatives: list[SlotOut] = []
