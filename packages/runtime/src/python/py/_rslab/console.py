"""The interactive console the terminal talks to: CPython's own `code.InteractiveConsole`, with
the classic REPL's file name (<stdin>) and prompts, and readline-style completion from
`rlcompleter`. Answers are JSON text so that the worker never holds Python proxies."""

import builtins
import code
import json
import os
import rlcompleter
import sys
import time
import traceback

import _rslab_js

# readline's default word delimiters (what Tab completes is the text after the last of these).
_DELIMS = " \t\n`~!@#$%^&*()-=+[{]}\\|;:'\",<>/?"
_CANDIDATES_MAX = 500
# Where our pymongo, bson and this console live (site-packages).
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _sleep(seconds):
    """time.sleep on the sandbox's clock; Ctrl-C ends it with KeyboardInterrupt."""
    if not isinstance(seconds, (int, float)):
        raise TypeError(f"'{type(seconds).__name__}' object cannot be interpreted as an integer or float")
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    if not _rslab_js.sleep(float(seconds)):
        _rslab_js.take_interrupt()
        raise KeyboardInterrupt


class Console(code.InteractiveConsole):
    def __init__(self):
        namespace = {"__name__": "__main__", "__doc__": None, "__builtins__": builtins}
        super().__init__(locals=namespace, filename="<stdin>")
        self._completer = rlcompleter.Completer(namespace)
        sys.ps1 = ">>> "
        sys.ps2 = "... "
        time.sleep = _sleep

    def banner(self):
        return f'Python {sys.version} on {sys.platform}\nType "help", "copyright", "credits" or "license" for more information.\n'

    def push(self, line):
        try:
            more = super().push(line)
        except SystemExit:
            self._flush()
            return json.dumps({"prompt": "", "exit": True})
        except KeyboardInterrupt:
            # Ctrl-C outside the running code (while compiling): as the REPL does at its prompt.
            self.resetbuffer()
            self.write("\nKeyboardInterrupt\n")
            more = False
        self._flush()
        return json.dumps({"prompt": sys.ps2 if more else sys.ps1, "exit": False})

    def reset(self):
        self.resetbuffer()

    def showtraceback(self):
        """A traceback as the REPL prints it, without the console's own frame, and ending at the
        first frame of the lab's pymongo/bson: the call the learner made into the library is shown,
        the lab's plumbing under it (the bridge to the page) is not. The exception line is the same."""
        typ, value, tb = sys.exc_info()
        tb = tb.tb_next if tb is not None else None
        sys.last_type, sys.last_value, sys.last_traceback = typ, value, tb
        sys.last_exc = value
        first = tb
        while first is not None and not first.tb_frame.f_code.co_filename.startswith(_PACKAGE_ROOT):
            first = first.tb_next
        if first is not None:
            first.tb_next = None
        if value is not None:
            value.__traceback__ = tb
        self.write("".join(traceback.format_exception(typ, value, tb)))

    def complete(self, line, cursor):
        before = line[:cursor]
        start = len(before)
        while start > 0 and before[start - 1] not in _DELIMS:
            start -= 1
        text = before[start:]
        if text == "":
            # At the start of a line Tab indents, as the REPL does.
            if before.strip() == "":
                return json.dumps({"replaceFrom": cursor, "candidates": ["    "]})
            return json.dumps({"replaceFrom": cursor, "candidates": []})
        found = []
        state = 0
        while len(found) < _CANDIDATES_MAX:
            try:
                candidate = self._completer.complete(text, state)
            except Exception:
                candidate = None
            if candidate is None:
                break
            found.append(candidate)
            state += 1
        return json.dumps({"replaceFrom": start, "candidates": sorted(set(found))})

    def _flush(self):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        _rslab_js.flush()
