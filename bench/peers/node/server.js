// Benchmark peer: a Node.js chat server on `ws` speaking the PROTOCOL v1 subset the load
// generator uses (hello, join, send, message). A room message is serialized once and the same
// buffer goes to every member; a member with more than 1 MiB waiting is closed with 1008, as
// Confab does. Nothing is stored.
'use strict';
const { WebSocketServer } = require('ws');
const crypto = require('crypto');

const port = Number(process.argv[2] || 0);
const maxQueue = 1024 * 1024;
const rooms = new Map(); // name -> { seq, members: Set<ws> }
const wss = new WebSocketServer({ host: '127.0.0.1', port, path: '/ws', maxPayload: 65536 });

wss.on('listening', () => console.log(`listening on port ${wss.address().port}`));
wss.on('connection', (ws) => {
  ws.user = { id: crypto.randomUUID(), nick: '' };
  ws.rooms = new Set();
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let f;
    try { f = JSON.parse(data); } catch { return; }
    if (f.type === 'hello') {
      ws.user.nick = String(f.nick || '');
      ws.send(JSON.stringify({ type: 'welcome', protocol: 1, user: ws.user }));
    } else if (f.type === 'join') {
      let room = rooms.get(f.room);
      if (!room) rooms.set(f.room, (room = { seq: 0, members: new Set() }));
      room.members.add(ws);
      ws.rooms.add(f.room);
      ws.send(JSON.stringify({ type: 'joined', room: f.room, seq: room.seq, members: [],
        history: [], topic: '', epoch: '', read: 0 }));
    } else if (f.type === 'send') {
      const room = rooms.get(f.room);
      if (!room || !room.members.has(ws)) return;
      room.seq += 1;
      const frame = Buffer.from(JSON.stringify({ type: 'message', room: f.room, seq: room.seq,
        id: crypto.randomUUID(), from: ws.user, text: String(f.text), ts: Date.now() }));
      for (const member of room.members) {
        if (member.bufferedAmount > maxQueue) member.close(1008, 'too slow');
        else member.send(frame, { binary: false });
      }
    }
  });
  ws.on('close', () => {
    for (const name of ws.rooms) rooms.get(name)?.members.delete(ws);
  });
});
