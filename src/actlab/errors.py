"""The one error type users see: a single line that names the problem."""

from __future__ import annotations


class ActlabError(ValueError):
    """Bad input from a user (spec, formula, value, file, message).

    The CLI prints ``str(error)`` as one line on stderr and exits with status 2; the web server
    sends it back as an error reply. Library callers can catch it as a ``ValueError``.
    """
