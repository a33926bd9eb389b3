"""The lab's glue inside CPython: the REPL console, the bridge to the page, EJSON."""
