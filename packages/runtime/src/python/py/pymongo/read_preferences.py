"""Read preferences: where reads may go."""


class _ServerMode:
    __slots__ = ("_name", "_tag_sets", "_max_staleness")

    def __init__(self, mode_name, tag_sets=None, max_staleness=-1):
        self._name = mode_name
        self._tag_sets = tag_sets
        self._max_staleness = max_staleness

    @property
    def name(self):
        return self.__class__.__name__

    @property
    def mongos_mode(self):
        return self._name

    @property
    def document(self):
        doc = {"mode": self._name}
        if self._tag_sets not in (None, [{}]):
            doc["tags"] = self._tag_sets
        if self._max_staleness != -1:
            doc["maxStalenessSeconds"] = self._max_staleness
        return doc

    @property
    def tag_sets(self):
        return list(self._tag_sets) if self._tag_sets else [{}]

    @property
    def max_staleness(self):
        return self._max_staleness

    def __repr__(self):
        return f"{self.name}(tag_sets={self._tag_sets!r}, max_staleness={self._max_staleness!r}, hedge=None)"

    def __eq__(self, other):
        if isinstance(other, _ServerMode):
            return self._name == other._name and self._tag_sets == other._tag_sets and self._max_staleness == other._max_staleness
        return NotImplemented

    def __hash__(self):
        return hash(self._name)


class Primary(_ServerMode):
    def __init__(self):
        super().__init__("primary")

    def __repr__(self):
        return "Primary()"


class PrimaryPreferred(_ServerMode):
    def __init__(self, tag_sets=None, max_staleness=-1):
        super().__init__("primaryPreferred", tag_sets, max_staleness)


class Secondary(_ServerMode):
    def __init__(self, tag_sets=None, max_staleness=-1):
        super().__init__("secondary", tag_sets, max_staleness)


class SecondaryPreferred(_ServerMode):
    def __init__(self, tag_sets=None, max_staleness=-1):
        super().__init__("secondaryPreferred", tag_sets, max_staleness)


class Nearest(_ServerMode):
    def __init__(self, tag_sets=None, max_staleness=-1):
        super().__init__("nearest", tag_sets, max_staleness)


_BY_NAME = {
    "primary": Primary,
    "primaryPreferred": PrimaryPreferred,
    "secondary": Secondary,
    "secondaryPreferred": SecondaryPreferred,
    "nearest": Nearest,
}


def _from_name(name):
    return _BY_NAME[name]()


class ReadPreference:
    PRIMARY = Primary()
    PRIMARY_PREFERRED = PrimaryPreferred()
    SECONDARY = Secondary()
    SECONDARY_PREFERRED = SecondaryPreferred()
    NEAREST = Nearest()
