from pymongo.synchronous.change_stream import *  # noqa: F401,F403
from pymongo.synchronous import change_stream as _impl

globals().update({k: v for k, v in vars(_impl).items() if not k.startswith('__')})
