"""A BSON regular expression (pattern and flags), as the server stores it."""

import re

_FLAGS = [("i", re.IGNORECASE), ("l", re.LOCALE), ("m", re.MULTILINE), ("s", re.DOTALL), ("u", re.UNICODE), ("x", re.VERBOSE)]


class Regex:
    __slots__ = ("pattern", "flags")
    _type_marker = 11

    def __init__(self, pattern, flags=0):
        self.pattern = pattern
        if isinstance(flags, str):
            value = 0
            for letter, flag in _FLAGS:
                if letter in flags:
                    value |= flag
            flags = value
        self.flags = flags

    @classmethod
    def from_native(cls, regex):
        return cls(regex.pattern, regex.flags & ~re.UNICODE)

    def flags_str(self):
        return "".join(letter for letter, flag in _FLAGS if self.flags & flag and letter != "u")

    def try_compile(self):
        return re.compile(self.pattern, self.flags)

    def __eq__(self, other):
        if isinstance(other, Regex):
            return self.pattern == other.pattern and self.flags == other.flags
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return f"Regex({self.pattern!r}, {self.flags!r})"
