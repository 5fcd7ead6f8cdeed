#!/usr/bin/env python3
"""A chat partner for scripts/screenshots.sh: joins a Confab server as NICK, says a line in
general that mentions TARGET, sends TARGET a direct message (so the app shows a DM with the
bot's nick as its title), then stays connected for SECONDS so it is listed as a member.
Only the standard library (the WebSocket client of bench/app/chatbots.py).

    screenshot-bot.py PORT NICK TARGET SECONDS
"""
import json, os, selectors, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench", "app"))
from chatbots import connect, send  # noqa: E402


def frames(sock, buffer):
    """The server's text frames read so far (unmasked, as a server sends them)."""
    try:
        chunk = sock.recv(65536)
    except BlockingIOError:
        chunk = b""
    buffer += chunk
    out = []
    while len(buffer) >= 2:
        n, start = buffer[1] & 0x7F, 2
        if n == 126:
            n, start = int.from_bytes(buffer[2:4], "big"), 4
        elif n == 127:
            n, start = int.from_bytes(buffer[2:10], "big"), 10
        if len(buffer) < start + n:
            break
        if buffer[0] & 0x0F == 1:
            out.append(json.loads(buffer[start:start + n]))
        del buffer[:start + n]
    return out


def main():
    port, nick, target, seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
    sock = connect(port, nick)
    send(sock, {"type": "hello", "protocol": 1, "nick": nick})
    send(sock, {"type": "join", "room": "general"})
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ)
    buffer, peer, deadline = bytearray(), None, time.monotonic() + 10
    # The target's user id, from general's member list (or its presence when it joins later).
    while peer is None and time.monotonic() < deadline:
        selector.select(0.2)
        for f in frames(sock, buffer):
            users = f.get("members", []) if f.get("type") == "joined" else [f.get("user", {})]
            for user in users:
                if user.get("nick") == target:
                    peer = user["id"]
    if peer is None:
        raise SystemExit(f"{target} is not in general")
    send(sock, {"type": "send", "room": "general",
                "text": f"@{target} the build is green, can you tag the release?"})
    send(sock, {"type": "send", "to": peer, "text": "Hi! Got a minute for the release notes?"})
    send(sock, {"type": "send", "to": peer, "text": "I left my comments in the draft"})
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        selector.select(0.5)
        frames(sock, buffer)


if __name__ == "__main__":
    main()
