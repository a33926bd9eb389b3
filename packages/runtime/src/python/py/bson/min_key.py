class MinKey:
    __slots__ = ()
    _type_marker = 255

    def __eq__(self, other):
        return isinstance(other, MinKey)

    def __hash__(self):
        return hash(self._type_marker)

    def __repr__(self):
        return "MinKey()"
