"""The free outcome instruments (NPRS, PSFS, goniometry), the controlled list of needling
points, the default aftercare advice, and the roles again (the manager gets the new
models' permissions). Licensed instruments (NDI, ODI, QuickDASH, LEFS, PROMIS) are not
shipped: a clinic holding a licence adds them in the admin.
"""

from decimal import Decimal

from django.db import migrations

from clinic.roles import sync_roles

INSTRUMENTS = [
    {
        "code": "nprs",
        "name": "Pain score (NPRS)",
        "version": "1",
        "direction": "lower_better",
        "min_value": Decimal(0),
        "max_value": Decimal(10),
        "unit": "points",
        "mcid_points": Decimal(2),
        "mcid_percent": Decimal(30),
        "licence": "Free to use.",
    },
    {
        "code": "psfs",
        "name": "Patient-Specific Functional Scale (PSFS)",
        "version": "1",
        "direction": "higher_better",
        "min_value": Decimal(0),
        "max_value": Decimal(10),
        "unit": "points",
        "mcid_points": Decimal(2),
        "mcid_percent": None,
        "item_label": "Activity",
        "licence": "Free to use.",
    },
    {
        "code": "rom",
        "name": "Range of motion (goniometer)",
        "version": "1",
        "direction": "higher_better",
        "min_value": Decimal(0),
        "max_value": Decimal(180),
        "unit": "degrees",
        "mcid_points": None,
        "mcid_percent": None,
        "item_label": "Joint and movement",
        "licence": "Free to use.",
    },
]

POINTS = {  # region: [(name, near the thorax)]
    "head_neck": [
        ("Upper trapezius", True),
        ("Levator scapulae", True),
        ("Splenius capitis", False),
        ("Suboccipitals", False),
        ("Sternocleidomastoid", False),
        ("Masseter", False),
        ("Temporalis", False),
        ("Cervical multifidus", False),
    ],
    "shoulder": [
        ("Infraspinatus", True),
        ("Supraspinatus", True),
        ("Teres minor", True),
        ("Deltoid", False),
        ("Subscapularis", True),
        ("Pectoralis minor", True),
    ],
    "upper_back": [
        ("Rhomboids", True),
        ("Middle trapezius", True),
        ("Thoracic erector spinae", True),
    ],
    "lower_back": [
        ("Quadratus lumborum", False),
        ("Lumbar multifidus", False),
        ("Lumbar erector spinae", False),
    ],
    "arm": [
        ("Wrist extensors", False),
        ("Wrist flexors", False),
        ("Biceps brachii", False),
        ("Triceps brachii", False),
    ],
    "hip": [
        ("Gluteus medius", False),
        ("Gluteus minimus", False),
        ("Gluteus maximus", False),
        ("Piriformis", False),
        ("Tensor fasciae latae", False),
    ],
    "thigh": [
        ("Vastus lateralis", False),
        ("Vastus medialis", False),
        ("Hamstrings", False),
        ("Adductor longus", False),
    ],
    "leg": [
        ("Gastrocnemius", False),
        ("Soleus", False),
        ("Tibialis anterior", False),
        ("Peroneus longus", False),
    ],
}

AFTERCARE = """\
Some soreness for 24 to 48 hours after a session is common. Keep moving gently: light \
activity helps more than rest. Heat or a warm bath may ease it, and drink plenty of water.

Call the clinic if you have bruising that spreads, or anything that worries you.

Seek urgent care (call 999 or go to A&E) if you become breathless or have chest pain, \
especially after treatment near the chest or shoulders.
"""


def seed(apps, schema_editor) -> None:
    Instrument = apps.get_model("patients", "Instrument")
    NeedlingPoint = apps.get_model("patients", "NeedlingPoint")
    AftercareAdvice = apps.get_model("patients", "AftercareAdvice")
    for data in INSTRUMENTS:
        Instrument.objects.get_or_create(
            code=data["code"], version=data["version"], defaults=data
        )
    for region, points in POINTS.items():
        for name, near_thorax in points:
            NeedlingPoint.objects.get_or_create(
                name=name, defaults={"region": region, "near_thorax": near_thorax}
            )
    if not AftercareAdvice.objects.exists():
        AftercareAdvice.objects.create(body=AFTERCARE)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0006_signed_note_guards"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
