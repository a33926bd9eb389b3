from pymongo.synchronous.command_cursor import *  # noqa: F401,F403
from pymongo.synchronous import command_cursor as _impl

globals().update({k: v for k, v in vars(_impl).items() if not k.startswith('__')})
