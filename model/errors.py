"""The errors a user is told about in one line: bad input (which file, which field, what was
expected), and a run stopped by a cause outside the program (what happened, what to do)."""


class InputError(Exception):
    """Bad input from a user: a scenario file, a command-line value, a parameter.

    The message is a single line, ``<file>: <field>: expected <what>, got <value>``, so the
    command line can print it as is and exit with status 2.
    """

    def __init__(self, source: str, field: str, expected: str, got: object = None):
        self.source, self.field, self.expected, self.got = source, field, expected, got
        got_text = "" if got is None else f", got {got!r}"
        super().__init__(f"{source}: {field}: expected {expected}{got_text}")

    def __reduce__(self):
        # the same four fields on the other side of a process boundary (a worker's error), not
        # Exception's default of the message alone, which __init__ cannot take
        return type(self), (self.source, self.field, self.expected, self.got)


class RunStopped(Exception):
    """A run stopped by a cause outside the program and outside the user's input (a Dask scheduler
    that went away): the message says what happened and how to finish; not a bug, and not bad
    input (exit status 1, not 2)."""
