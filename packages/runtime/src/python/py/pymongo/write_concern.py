"""Write concern: how many members must have a write before it is acknowledged."""


class WriteConcern:
    __slots__ = ("__document", "__acknowledged")

    def __init__(self, w=None, wtimeout=None, j=None, fsync=None):
        doc = {}
        if w is not None:
            doc["w"] = w
        if wtimeout is not None:
            doc["wtimeout"] = wtimeout
        if j is not None:
            doc["j"] = j
        if fsync is not None:
            doc["fsync"] = fsync
        self.__document = doc
        self.__acknowledged = w != 0

    @property
    def document(self):
        return dict(self.__document)

    @property
    def acknowledged(self):
        return self.__acknowledged

    def __repr__(self):
        return "WriteConcern({})".format(", ".join(f"{k}={v}" for k, v in self.__document.items()))

    def __eq__(self, other):
        if isinstance(other, WriteConcern):
            return self.__document == other.document
        return NotImplemented
