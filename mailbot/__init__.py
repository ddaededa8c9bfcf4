"""mailbot: tracks Dispute Resolution Process alerts raised by e-mail to a shared mailbox."""

__version__ = "0.1.0"
