"""The lab's one error type. cli.main turns it into one line and an exit code."""


class LabError(Exception):
    """A failure the user can act on; its message is shown as one line, never a traceback."""

    exit_code = 1


class UsageError(LabError):
    exit_code = 2
