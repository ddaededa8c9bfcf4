"""The errors mailbot reports to people: each carries a one-line message naming what and where.

The CLI prints these as ``mailbot: error: <message>`` and exits non-zero; anything else that
escapes is a bug, reported in one line too, with ``--debug`` to see the traceback.
"""


class MailbotError(Exception):
    """Base of every error that is the user's input or environment, not a bug."""


class ConfigError(MailbotError):
    """The configuration file is missing, unreadable or invalid: one problem, or every problem
    found at once (``problems``, each one line with its place), so that an administrator fixes
    them in one pass rather than one per run."""

    def __init__(self, problems: "str | list[str]") -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class UsageError(MailbotError):
    """A command was given bad arguments (a bad date, an unknown reference, a missing file)."""


class StoreError(MailbotError):
    """The database cannot be opened or upgraded."""
