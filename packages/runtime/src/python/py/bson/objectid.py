"""ObjectId: 4 bytes of seconds, 5 random bytes per process, a 3-byte counter."""

import binascii
import datetime
import os
import random
import struct
import threading
import time

from bson.errors import InvalidId
from bson.tz_util import utc


class ObjectId:
    _pid = os.getpid()
    _inc = random.randint(0, 0xFFFFFF)
    _inc_lock = threading.Lock()
    _random_bytes = os.urandom(5)
    __slots__ = ("__id",)
    _type_marker = 7

    def __init__(self, oid=None):
        if oid is None:
            self.__generate()
        elif isinstance(oid, bytes) and len(oid) == 12:
            self.__id = oid
        else:
            self.__validate(oid)

    @classmethod
    def from_datetime(cls, generation_time):
        if generation_time.utcoffset() is not None:
            generation_time = generation_time - generation_time.utcoffset()
        seconds = int((generation_time.replace(tzinfo=None) - datetime.datetime(1970, 1, 1)).total_seconds())
        return cls(struct.pack(">I", seconds) + b"\x00" * 8)

    @classmethod
    def is_valid(cls, oid):
        if not oid:
            return False
        try:
            ObjectId(oid)
            return True
        except (InvalidId, TypeError):
            return False

    def __generate(self):
        with ObjectId._inc_lock:
            inc = ObjectId._inc
            ObjectId._inc = (inc + 1) % 0x1000000
        self.__id = struct.pack(">I", int(time.time())) + ObjectId._random_bytes + struct.pack(">I", inc)[1:4]

    def __validate(self, oid):
        if isinstance(oid, ObjectId):
            self.__id = oid.binary
        elif isinstance(oid, str):
            if len(oid) == 24:
                try:
                    self.__id = bytes.fromhex(oid)
                except (TypeError, ValueError):
                    raise InvalidId(f"{oid!r} is not a valid ObjectId, it must be a 12-byte input or a 24-character hex string") from None
            else:
                raise InvalidId(f"{oid!r} is not a valid ObjectId, it must be a 12-byte input or a 24-character hex string")
        else:
            raise TypeError(f"id must be an instance of (bytes, str, ObjectId), not {type(oid)}")

    @property
    def binary(self):
        return self.__id

    @property
    def generation_time(self):
        seconds = struct.unpack(">I", self.__id[0:4])[0]
        return datetime.datetime.fromtimestamp(seconds, utc)

    def __str__(self):
        return binascii.hexlify(self.__id).decode()

    def __repr__(self):
        return f"ObjectId('{self!s}')"

    def __eq__(self, other):
        if isinstance(other, ObjectId):
            return self.__id == other.binary
        return NotImplemented

    def __ne__(self, other):
        if isinstance(other, ObjectId):
            return self.__id != other.binary
        return NotImplemented

    def __lt__(self, other):
        if isinstance(other, ObjectId):
            return self.__id < other.binary
        return NotImplemented

    def __le__(self, other):
        if isinstance(other, ObjectId):
            return self.__id <= other.binary
        return NotImplemented

    def __gt__(self, other):
        if isinstance(other, ObjectId):
            return self.__id > other.binary
        return NotImplemented

    def __ge__(self, other):
        if isinstance(other, ObjectId):
            return self.__id >= other.binary
        return NotImplemented

    def __hash__(self):
        return hash(self.__id)
