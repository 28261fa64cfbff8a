"""The chat services (console, Telegram, WeCom) and what they share: text cutting, pacing,
button presses, file fetching and the quarantine of unreadable updates."""
