class MaxKey:
    __slots__ = ()
    _type_marker = 127

    def __eq__(self, other):
        return isinstance(other, MaxKey)

    def __hash__(self):
        return hash(self._type_marker)

    def __repr__(self):
        return "MaxKey()"
