class SubmissionError(Exception):
    """A submission the rules refuse; ``message`` is translated and shown to the person."""

    def __init__(self, message, *, code: str = "refused"):
        super().__init__(str(message))
        self.message = message
        self.code = code
