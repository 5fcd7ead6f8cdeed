#!/usr/bin/env python3
"""Chat bots for the client-side benchmark: BOTS WebSocket clients join a room of a Confab
server and send RATE messages a second between them for SECONDS, each bot below the server's
per-user rate limit. Only the standard library: a minimal RFC 6455 client (masked text frames
out, every frame read and dropped, so the server never sees a slow reader).

    chatbots.py PORT RATE SECONDS [ROOM] [BOTS]
"""
import base64, json, os, selectors, socket, struct, sys, time


def connect(port, nick):
    s = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("the server closed during the upgrade")
        head += chunk
    if b" 101 " not in head.split(b"\r\n")[0]:
        raise SystemExit("no WebSocket upgrade: " + head.split(b"\r\n")[0].decode())
    s.setblocking(False)
    return s


def frame(obj):
    payload = json.dumps(obj).encode()
    mask = os.urandom(4)
    n = len(payload)
    header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n))
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def send(s, obj):
    data = frame(obj)
    while data:
        try:
            data = data[s.send(data):]
        except BlockingIOError:
            time.sleep(0.001)


def main():
    port, rate, seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    room = sys.argv[4] if len(sys.argv) > 4 else "general"
    bots = int(sys.argv[5]) if len(sys.argv) > 5 else max(1, int(rate // 5 + 0.999))
    selector = selectors.DefaultSelector()
    sockets = []
    for i in range(bots):
        s = connect(port, f"bot{i}")
        send(s, {"type": "hello", "protocol": 1, "nick": f"bot{i}"})
        send(s, {"type": "join", "room": room})
        selector.register(s, selectors.EVENT_READ)
        sockets.append(s)
    start = time.monotonic()
    sent = 0
    interval = 1.0 / rate if rate > 0 else seconds
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        due = int((now - start) / interval) + 1
        while sent < due:
            s = sockets[sent % bots]
            send(s, {"type": "send", "room": room, "id": f"b{sent}",
                     "text": f"Message {sent} from the benchmark: the quick brown fox jumps over the lazy dog"})
            sent += 1
        for key, _ in selector.select(timeout=min(interval, 0.05)):
            try:
                if not key.fileobj.recv(65536):
                    raise SystemExit("the server closed a bot's connection")
            except BlockingIOError:
                pass
    print(f"sent {sent} messages in {seconds:.0f} s from {bots} bots", file=sys.stderr)


if __name__ == "__main__":
    main()
