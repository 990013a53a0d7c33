"""The one base class for problems the user can fix (bad input, bad config, expired login).

The CLI prints these as one line and exits 2; the dashboard shows them as a message.
Anything else is a bug and keeps its traceback.
"""


class UserError(ValueError):
    """A problem in what the user gave us, with a message that says what to fix."""
