"""BSON Decimal128, kept as its string form."""

import decimal


class Decimal128:
    __slots__ = ("__value",)
    _type_marker = 19

    def __init__(self, value):
        if isinstance(value, (str, decimal.Decimal)):
            self.__value = str(decimal.Decimal(value))
        else:
            raise TypeError(f"Cannot convert {value!r} to Decimal128")

    def to_decimal(self):
        return decimal.Decimal(self.__value)

    def __str__(self):
        return self.__value

    def __repr__(self):
        return f"Decimal128('{self!s}')"

    def __eq__(self, other):
        if isinstance(other, Decimal128):
            return self.__value == str(other)
        return NotImplemented

    def __hash__(self):
        return hash(self.__value)
