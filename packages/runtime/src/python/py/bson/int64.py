"""BSON int64. An int subclass with no repr of its own: it prints as a plain int."""


class Int64(int):
    __slots__ = ()
    _type_marker = 18

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        pass
