"""The manager's edit form for one message's wording."""

from django import forms

from messaging.models import MessageTemplate


class WordingForm(forms.Form):
    subject = forms.CharField(
        max_length=MessageTemplate._meta.get_field("subject").max_length,
        required=False,
        help_text="One line. Placeholders work here too.",
    )
    body = forms.CharField(
        max_length=MessageTemplate._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "true"}),
        help_text="Plain text: a blank line starts a new paragraph. The clinic's layout, "
        "the button and the appointment details are added around it.",
    )

    def __init__(self, *args: object, email: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if email:
            self.fields["subject"].required = True
        else:
            del self.fields["subject"]
            self.fields["body"].help_text = "Plain text, as the text message will read."
