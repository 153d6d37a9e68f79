"""The public pages' first content: staff edit it in the admin from here on."""

from django.db import migrations

HOME = {
    "slug": "home",
    "title": "Dry needling for chronic pain and mobility",
    "lead": (
        "Our physiotherapists use dry needling to ease long-standing muscle and joint pain "
        "and to help you move more freely, as part of a plan built around you."
    ),
    "sections": [
        (
            "Is dry needling right for you?",
            "If tight, sore muscles or stiff joints keep holding you back, dry needling may "
            "help. It suits many chronic pain problems, from a stiff neck or frozen shoulder "
            "to sciatica and sports injuries.\n\n"
            "Read about dry needling to learn how it works, what it can do and what a "
            "session feels like.",
        ),
        (
            "Your first visit",
            "Everyone starts with an initial assessment. Your practitioner asks about your "
            "pain and your health, checks that needling is safe for you, explains the "
            "treatment and asks for your consent before any needle is used.\n\n"
            "Most people then have a short course of follow-up sessions, usually one or two "
            "a week.",
        ),
        (
            "Book a session",
            "Choose a service, a location and a time that suits you online, or call the "
            "clinic and our front desk will find a time with you.",
        ),
    ],
}

ABOUT = {
    "slug": "about-dry-needling",
    "title": "About dry needling",
    "lead": (
        "Dry needling can relieve chronic pain and help you move better. Here is what it "
        "is, how it works, what it can help with and what to expect when you come to us."
    ),
    "sections": [
        (
            "What is dry needling?",
            "Dry needling is a treatment given by trained health professionals. Your "
            "practitioner places very fine, sterile needles into specific points in a muscle, "
            "tendon or the connective tissue around them.\n\n"
            "It is called \"dry\" because nothing is injected: the needle itself is the "
            "treatment.",
        ),
        (
            "How does it work?",
            "When a muscle is strained or stays tense for a long time, small tight knots can "
            "form in it. These are called trigger points, and they can be painful and limit "
            "how far you can move.\n\n"
            "When the needle reaches a trigger point, the muscle often gives a brief, "
            "involuntary flicker called a local twitch response. This helps the tight fibres "
            "let go, and it brings more blood to the area. The body also releases "
            "endorphins, its own natural painkillers.\n\n"
            "Needling can also help loosen scar tissue and adhesions inside the muscle, so it "
            "can stretch and glide more easily. And it calms the nervous system's response "
            "to the area, turning down pain signals so the muscle can work normally again. "
            "Because it treats the source of the problem rather than only the symptoms, we "
            "use it as one part of a wider plan of care.",
        ),
        (
            "Pain relief",
            "Treating trigger points can ease muscle pain, joint pain and nerve pain, "
            "including the pain of long-term conditions such as fibromyalgia, arthritis and "
            "sciatica. The endorphins released during treatment give natural relief, which "
            "for some people means relying less on painkillers or more invasive treatment.",
        ),
        (
            "Improved range of motion",
            "Releasing tight muscles and adhesions lets joints move further and more "
            "comfortably. This helps people whose movement is limited by a frozen shoulder, "
            "tight muscles or stiff joints, and makes everyday tasks, work and sport easier.",
        ),
        (
            "Faster recovery and rehabilitation",
            "By improving blood flow to the muscles being treated, dry needling supports "
            "tissue repair and helps settle inflammation. Used alongside exercise, it can "
            "help athletes and anyone recovering from an injury get back to activity sooner, "
            "particularly after tendonitis, muscle strains and sports injuries.",
        ),
        (
            "Non-invasive and safe",
            "There is no surgery, no incision and no medicine injected. The needles are "
            "extremely thin, so most people feel little more than a brief prick or a dull "
            "ache as they go in. Each needle is sterile and used only once, so the risk of "
            "infection is very low. In trained hands, dry needling is a low-risk alternative "
            "to more invasive procedures.",
        ),
        (
            "What it can help with",
            "We most often use dry needling for:\n\n"
            "Fibromyalgia, arthritis and sciatica.\n\n"
            "Frozen shoulder, tight muscles and joint stiffness.\n\n"
            "Tendonitis, muscle strains and sports injuries.\n\n"
            "If your problem is not listed, ask us: your practitioner will tell you honestly "
            "whether dry needling is likely to help.",
        ),
        (
            "Safety: what you may feel",
            "All our needling is done by trained, registered practitioners using thin, "
            "sterile, single-use needles that are disposed of straight after your session.\n\n"
            "Minor after-effects are common, in roughly one session in five to one in three: "
            "some soreness, a small bruise, a drop of bleeding where a needle went in, or "
            "feeling tired afterwards. They usually pass within a day or two.\n\n"
            "Significant side effects are rare, fewer than one in a thousand sessions. The "
            "most serious rare risk is a pneumothorax (a collapsed lung) when needling close "
            "to the chest wall; your practitioner takes particular care in that area and will "
            "explain it if it applies to you.\n\n"
            "Before your first needling we go through a health questionnaire with you, to "
            "make sure the treatment is safe for you, and you sign a consent form. You can "
            "ask questions at any time, and you may ask us to stop at any point.",
        ),
        (
            "Take the next step",
            "If you are looking for a drug-free way to ease chronic pain and move more "
            "freely, dry needling may be worth trying. Book an initial assessment and your "
            "practitioner will talk through your options with you, including whether dry "
            "needling is right for you.",
        ),
    ],
}

PAGES = [HOME, ABOUT]


def create_pages(apps, schema_editor):
    Page = apps.get_model("clinic", "Page")
    PageSection = apps.get_model("clinic", "PageSection")
    for content in PAGES:
        page, created = Page.objects.get_or_create(
            slug=content["slug"],
            defaults={"title": content["title"], "lead": content["lead"]},
        )
        if not created:
            continue  # Staff already wrote this page; leave their words alone.
        PageSection.objects.bulk_create(
            PageSection(page=page, order=order, heading=heading, body=body)
            for order, (heading, body) in enumerate(content["sections"], start=1)
        )


def delete_pages(apps, schema_editor):
    Page = apps.get_model("clinic", "Page")
    Page.objects.filter(slug__in=[content["slug"] for content in PAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_pages, delete_pages),
    ]
