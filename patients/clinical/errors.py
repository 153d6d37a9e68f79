class ClinicalError(Exception):
    """A clinical write refused, with a message fit to show the practitioner or patient."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
