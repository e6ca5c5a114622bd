"""Domain errors of the tracker; ``message`` is translated text for people."""


class TrackerError(Exception):
    def __init__(self, message):
        self.message = message
        super().__init__(str(message))
