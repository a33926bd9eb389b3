"""BSON binary data with a subtype (subtype 0 decodes to plain bytes)."""

BINARY_SUBTYPE = 0
UUID_SUBTYPE = 4


class Binary(bytes):
    _type_marker = 5

    def __new__(cls, data, subtype=BINARY_SUBTYPE):
        if not isinstance(subtype, int):
            raise TypeError(f"subtype must be an instance of int, not {type(subtype)}")
        if subtype >= 256 or subtype < 0:
            raise ValueError("subtype must be contained in [0, 256)")
        self = bytes.__new__(cls, data)
        self.__subtype = subtype
        return self

    @property
    def subtype(self):
        return self.__subtype

    def __eq__(self, other):
        if isinstance(other, Binary):
            return (self.__subtype, bytes(self)) == (other.subtype, bytes(other))
        return False

    def __hash__(self):
        return super().__hash__() ^ hash(self.__subtype)

    def __repr__(self):
        return f"Binary({bytes.__repr__(self)}, {self.__subtype})"
