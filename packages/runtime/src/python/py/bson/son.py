"""SON: an ordered dict for commands whose key order matters (dicts keep order anyway)."""


class SON(dict):
    def __repr__(self):
        return "SON([%s])" % ", ".join(f"({key!r}, {value!r})" for key, value in self.items())

    def to_dict(self):
        return dict(self)
