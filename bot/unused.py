"""Optional libraries that guowen's dependencies import whenever they happen to be installed,
and that ``guowen run`` never uses: left out of its process, each costs start-up time and idle
memory for nothing (``benchmarks/startup.py``: together about 15 MiB and 0.3 s).

- ``trio``: httpcore imports it at import time to support running under trio (about 12 MiB,
  0.2 s); guowen runs on asyncio only, where httpcore uses anyio.
- ``httpx._main``: httpx's own command-line client, which brings rich, click and pygments;
  httpx falls back to a stub ``main`` without it.
- ``cryptography``: python-telegram-bot imports it to decrypt Telegram Passport data, which
  guowen never asks for (about 6 MiB, its Rust extension); WeCom's message encryption
  (wechatpy) needs it, so it stays importable when ``[wecom]`` is enabled.

A name in ``sys.modules`` bound to None makes ``import name`` raise ``ModuleNotFoundError``
(the import system's documented way to block an import); each library above catches that and
carries on without the optional part. A library already imported is left alone.
"""

from __future__ import annotations

import sys

NEVER_USED = ("trio", "httpx._main")
# Needed by the WeCom transport only.
WECOM_ONLY = ("cryptography",)


def leave_out(*, wecom: bool) -> tuple[str, ...]:
    """Block, for the rest of this process, the imports of the libraries above that are not
    imported yet (``WECOM_ONLY`` too unless ``wecom``). Returns the names blocked."""
    names = NEVER_USED if wecom else NEVER_USED + WECOM_ONLY
    blocked = tuple(name for name in names if name not in sys.modules)
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    return blocked
