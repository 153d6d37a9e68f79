class BillingError(Exception):
    """A write refused, with a message fit to show the person at the desk; nothing of it
    was saved."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
