package server

import (
	"testing"
	"time"

	"github.com/warrenzk/warren/core/proto"
)

func TestMaxClientCnxnsPerAddress(t *testing.T) {
	n := startNode(t, func(c *Config) { c.MaxClientCnxns = 2 })
	a, b := dialRaw(t, n.addr), dialRaw(t, n.addr)
	a.connect(t, 0, nil, 4000)
	b.connect(t, 0, nil, 4000)
	third := dialRaw(t, n.addr)
	third.writeFrame(t, proto.Marshal(&proto.ConnectRequest{TimeOut: 4000, Passwd: make([]byte, 16)}))
	third.expectClosed(t)
	if got := n.srv.zk.connectionRejected.Value(); got != 1 {
		t.Errorf("zk_connection_rejected counts %d refusals, want 1", got)
	}

	// The two admitted connections still work.
	a.writeFrame(t, a.request(proto.OpExists, &proto.ExistsRequest{Path: "/"}))
	if h, _ := a.reply(t); h.Err != proto.ErrOK {
		t.Fatalf("exists on an admitted connection: %v", h.Err)
	}
}

func TestClientThatNeverReadsIsCutOff(t *testing.T) {
	n := startNode(t, func(c *Config) { c.MaxPendingBytes = 1 << 20 })
	w := dialRaw(t, n.addr)
	w.connect(t, 0, nil, 4000)
	w.writeFrame(t, w.request(proto.OpCreate, &proto.CreateRequest{Path: "/big", Data: make([]byte, 512<<10), ACL: proto.OpenACLUnsafe}))
	if h, _ := w.reply(t); h.Err != proto.ErrOK {
		t.Fatalf("create /big: %v", h.Err)
	}

	// Ask for 64 MiB of replies and read none of them; the kernel buffers
	// fill, replies pile up, and the server must cut the client off rather
	// than buffer without bound.
	greedy := dialRaw(t, n.addr)
	greedy.connect(t, 0, nil, 4000)
	var batch []byte
	for i := 0; i < 128; i++ {
		f := greedy.request(proto.OpGetData, &proto.GetDataRequest{Path: "/big"})
		batch = append(batch, byte(len(f)>>24), byte(len(f)>>16), byte(len(f)>>8), byte(len(f)))
		batch = append(batch, f...)
	}
	greedy.nc.Write(batch)
	waitFor(t, func() bool { return n.srv.connCount() == 1 }, "the greedy connection to be closed")

	// Everyone else is unaffected.
	w.writeFrame(t, w.request(proto.OpExists, &proto.ExistsRequest{Path: "/big"}))
	if h, _ := w.reply(t); h.Err != proto.ErrOK {
		t.Fatalf("exists after the cut-off: %v", h.Err)
	}
}

// Replies written by the reader goroutine itself (sendNow) keep the
// connection's write deadline moving: a client that only reads, for many
// session timeouts, keeps its connection.
func TestReadsAloneKeepTheConnection(t *testing.T) {
	n := startNode(t, func(c *Config) { c.TickTime = 20 * time.Millisecond }) // sessions of at most 400 ms
	r := dialRaw(t, n.addr)
	r.connect(t, 0, nil, 400)
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		r.writeFrame(t, r.request(proto.OpExists, &proto.ExistsRequest{Path: "/"}))
		if h, _ := r.reply(t); h.Err != proto.ErrOK {
			t.Fatalf("exists: %v", h.Err)
		}
	}
}
