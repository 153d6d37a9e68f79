from django.db import migrations

from clinic.roles import sync_roles

TITLE = "Consent to dry needling"
BODY = """\
What dry needling is
Dry needling uses very fine, sterile, single-use needles placed into tight or painful muscle \
to ease pain and help you move better. No medicine is injected. Your practitioner will \
explain which areas they plan to treat before they start.

Benefits
Dry needling can reduce pain, release muscle tension and trigger points, improve how far \
and how comfortably you can move, and help you return to everyday activities and exercise. \
It works best as part of a plan that includes exercise and advice. Results vary from \
person to person and are not guaranteed.

Alternatives
You can choose other treatments instead of, or as well as, dry needling: exercise therapy, \
manual therapy (massage and joint mobilisation), heat or ice, advice and education, or \
seeing your GP about medicines. Your practitioner is happy to discuss them with you.

Risks
Minor side effects are common: about 1 in 5 to 1 in 3 sessions cause bleeding at the \
needle site, bruising, soreness during or after treatment (usually gone within 1 to 2 \
days), or tiredness.
Significant side effects are uncommon: fewer than 1 in 1,000 sessions. They include \
fainting, feeling unwell, or a needle breaking.
Serious side effects are rare. The most important is a pneumothorax (a collapsed lung), \
which can happen when needling near the chest wall. Tell us straight away, or seek urgent \
medical help, if you become short of breath or have chest pain after treatment.
Infection is very rare because the needles are sterile and used only once.

Your rights
Taking part is your choice. You may refuse dry needling, and you may ask us to stop at \
any time, before or during a session, without giving a reason. Saying no will not affect \
the rest of your care.

Your agreement
By typing your full name below you confirm that you have read and understood this \
information, that you have told us about your health honestly in the screening \
questions, that you have had the chance to ask questions, and that you agree to dry \
needling. Your practitioner will check again before each session that you still agree.
"""


def seed_consent(apps, schema_editor):
    ConsentDocument = apps.get_model("patients", "ConsentDocument")
    if not ConsentDocument.objects.exists():
        ConsentDocument.objects.create(version=1, title=TITLE, body=BODY, is_active=True)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("clinic", "0003_staff_roles"),
        ("patients", "0002_intake_consent_screening"),
    ]

    operations = [
        migrations.RunPython(seed_consent, migrations.RunPython.noop),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
