"""The process: configuration, wiring (``bot.app``), the command line and the transports."""
