"""The conversation layer: commands, intake steps, buttons and the catalogs' words.

Handlers see the chat only through ``handlers.ports`` (the transport protocol) and the
database only through ``storage``; ``bot`` wires them to a transport (import-linter layers:
``bot → handlers → reports → reminders → storage``).
"""
