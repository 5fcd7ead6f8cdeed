// Benchmark peer: the Go chat tutorial's server (nhooyr.io/websocket, a subscriber per
// connection with a buffered channel, slow subscribers closed with 1008) extended to the
// PROTOCOL v1 subset the load generator speaks: hello, join, send, message. A room message is
// serialized once and the same bytes go to every member. Nothing is stored.
//
// Differences from the tutorial, for a fair comparison: no global publish limiter (Confab is
// benchmarked with its rate limit lifted too), and a subscriber buffer of -buffer messages
// instead of 16, comparable to Confab's 1 MiB outgoing queue.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"nhooyr.io/websocket"
)

type user struct {
	ID   string `json:"id"`
	Nick string `json:"nick"`
}

type inbound struct {
	Type string `json:"type"`
	Room string `json:"room"`
	Nick string `json:"nick"`
	Text string `json:"text"`
	ID   string `json:"id"`
}

type message struct {
	Type string `json:"type"`
	Room string `json:"room"`
	Seq  int64  `json:"seq"`
	ID   string `json:"id"`
	From user   `json:"from"`
	Text string `json:"text"`
	TS   int64  `json:"ts"`
	Re   string `json:"re,omitempty"`
}

type subscriber struct {
	msgs      chan []byte
	closeSlow func()
	user      user
	rooms     map[string]bool
}

type server struct {
	bufferSize int
	mu         sync.Mutex
	rooms      map[string]map[*subscriber]struct{}
	seq        map[string]int64
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *server) subscribe(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	c.SetReadLimit(65536)
	sub := &subscriber{
		msgs:  make(chan []byte, s.bufferSize),
		rooms: map[string]bool{},
		user:  user{ID: newID()},
		closeSlow: func() {
			c.Close(websocket.StatusPolicyViolation, "too slow")
		},
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer s.leaveAll(sub)
	go func() {
		defer cancel()
		for msg := range sub.msgs {
			wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
			err := c.Write(wctx, websocket.MessageText, msg)
			wcancel()
			if err != nil {
				return
			}
		}
	}()
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		var in inbound
		if json.Unmarshal(data, &in) != nil {
			continue
		}
		s.handle(sub, &in)
	}
}

func (s *server) reply(sub *subscriber, v interface{}) {
	b, _ := json.Marshal(v)
	select {
	case sub.msgs <- b:
	default:
		go sub.closeSlow()
	}
}

func (s *server) handle(sub *subscriber, in *inbound) {
	switch in.Type {
	case "hello":
		sub.user.Nick = in.Nick
		s.reply(sub, map[string]interface{}{"type": "welcome", "protocol": 1, "user": sub.user})
	case "join":
		s.mu.Lock()
		if s.rooms[in.Room] == nil {
			s.rooms[in.Room] = map[*subscriber]struct{}{}
		}
		s.rooms[in.Room][sub] = struct{}{}
		sub.rooms[in.Room] = true
		seq := s.seq[in.Room]
		s.mu.Unlock()
		s.reply(sub, map[string]interface{}{"type": "joined", "room": in.Room, "seq": seq,
			"members": []user{}, "history": []message{}, "topic": "", "epoch": "", "read": 0})
	case "send":
		s.mu.Lock()
		defer s.mu.Unlock()
		members := s.rooms[in.Room]
		if _, ok := members[sub]; !ok {
			return
		}
		s.seq[in.Room]++
		m := message{Type: "message", Room: in.Room, Seq: s.seq[in.Room], ID: newID(),
			From: sub.user, Text: in.Text, TS: time.Now().UnixMilli()}
		b, _ := json.Marshal(m) // once for every member
		for member := range members {
			select {
			case member.msgs <- b:
			default:
				go member.closeSlow()
			}
		}
	}
}

func (s *server) leaveAll(sub *subscriber) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for room := range sub.rooms {
		delete(s.rooms[room], sub)
	}
}

func main() {
	addr := flag.String("listen", "127.0.0.1:0", "address to listen on")
	buffer := flag.Int("buffer", 4096, "messages buffered per subscriber")
	flag.Parse()
	s := &server{bufferSize: *buffer, rooms: map[string]map[*subscriber]struct{}{},
		seq: map[string]int64{}}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on port %d\n", l.Addr().(*net.TCPAddr).Port)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("Hello Chat!")) })
	mux.HandleFunc("/ws", s.subscribe)
	mux.HandleFunc("/subscribe", s.subscribe)
	hs := &http.Server{Handler: mux, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	log.Fatal(hs.Serve(l))
}
