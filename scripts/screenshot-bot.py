#!/usr/bin/env python3
"""A chat partner for scripts/screenshots.sh: joins a Confab server as NICK, says a line in
general that mentions TARGET, sends TARGET a direct message (so the app shows a DM with the
bot's nick as its title), then stays connected for SECONDS so it is listed as a member.
On a 1.1 server (welcome.features) it makes the chat busy, with a second bot, Theo: a reply
to Sam's line about #482, reactions on the demo's lines, an edited message and a deleted one.
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


class Bot:
    """One connection: what it has seen of general (seq -> message) and its own sends."""

    def __init__(self, port, nick):
        self.sock = connect(port, nick)
        self.buffer, self.features, self.seen, self.mine = bytearray(), [], {}, {}
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.sock, selectors.EVENT_READ)
        send(self.sock, {"type": "hello", "protocol": 1, "nick": nick})
        send(self.sock, {"type": "join", "room": "general"})

    def pump(self, seconds):
        """Reads for this long; returns the frames."""
        out, end = [], time.monotonic() + seconds
        while time.monotonic() < end:
            self.selector.select(0.1)
            for f in frames(self.sock, self.buffer):
                out.append(f)
                if f.get("type") == "welcome":
                    self.features = f.get("features", [])
                for m in f.get("history", []) + ([f] if f.get("type") == "message" else []):
                    if m.get("type", "message") == "message" and "seq" in m:
                        self.seen[m["seq"]] = m
                        if "re" in m:
                            self.mine[m["re"]] = m["seq"]
        return out

    def seq_of(self, words):
        for seq, m in self.seen.items():
            if words in m.get("text", ""):
                return seq
        return None

    def say(self, text, ref, **extra):
        send(self.sock, dict({"type": "send", "room": "general", "text": text, "id": ref}, **extra))
        for _ in range(30):
            if ref in self.mine:
                return self.mine[ref]
            self.pump(0.1)
        return None


def busy(port, bot):
    """Replies, reactions, an edit and a deletion, on a 1.1 server."""
    theo = Bot(port, "Theo")
    theo.pump(1)
    staging, uploads = bot.seq_of("staging build"), bot.seq_of("Uploads over 2 GB")
    react = lambda who, seq, emoji: seq and send(
        who.sock, {"type": "react", "room": "general", "target": seq, "emoji": emoji, "on": True})
    react(bot, staging, "👍")
    react(theo, staging, "👍")
    react(theo, staging, "🎉")
    if uploads:
        bot.say("I can take #482 tomorrow, I know that code", "b-reply", reply_to=uploads)
        react(theo, uploads, "😮")
    typo = bot.say("Demo for the customer is at 3", "b-typo")
    if typo:
        time.sleep(0.4)
        send(bot.sock, {"type": "edit", "room": "general", "target": typo, "id": "b-edit",
                        "text": "Demo for the customer is at 4 pm, not 3"})
        react(theo, typo, "👀")
    oops = theo.say("oops, wrong channel", "t-oops")
    if oops:
        time.sleep(0.4)
        send(theo.sock, {"type": "delete", "room": "general", "target": oops})
    thanks = theo.say("Release notes look good to me", "t-notes")
    react(bot, thanks, "❤️")
    return theo


def main():
    port, nick, target, seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
    bot = Bot(port, nick)
    peer, deadline = None, time.monotonic() + 10
    # The target's user id, from general's member list (or its presence when it joins later).
    while peer is None and time.monotonic() < deadline:
        for f in bot.pump(0.2):
            users = f.get("members", []) if f.get("type") == "joined" else [f.get("user", {})]
            for user in users:
                if user.get("nick") == target:
                    peer = user["id"]
    if peer is None:
        raise SystemExit(f"{target} is not in general")
    bot.say(f"@{target} the build is green, can you tag the release?", "b-green")
    send(bot.sock, {"type": "send", "to": peer, "text": "Hi! Got a minute for the release notes?"})
    send(bot.sock, {"type": "send", "to": peer, "text": "I left my comments in the draft"})
    others = [busy(port, bot)] if "react" in bot.features else []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for b in [bot] + others:
            b.pump(0.25)


if __name__ == "__main__":
    main()
