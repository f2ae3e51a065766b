package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/warrenzk/warren/core/client"
	"github.com/warrenzk/warren/core/proto"
)

// TestSIGTERMFinishesInFlightWrites sends SIGTERM while thousands of creates
// are pipelined: the node must answer the writes it had taken in, exit
// cleanly, and keep every write it acknowledged across the restart.
func TestSIGTERMFinishesInFlightWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	dir := t.TempDir()
	n := startWarrenIn(t, "", dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, n.Addr, client.Options{MaxInFlight: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	const total = 3000
	var (
		wg           sync.WaitGroup
		replies, oks atomic.Int64
		afterSignal  atomic.Int64 // OK replies that arrived after SIGTERM
		signalled    atomic.Bool
		mu           sync.Mutex
		acknowledged []string
		signalOnce   sync.Once
	)
	for i := range total {
		path := fmt.Sprintf("/term%05d", i)
		wg.Add(1)
		c.Go(proto.OpCreate, &proto.CreateRequest{Path: path, ACL: proto.OpenACLUnsafe}, &proto.CreateResponse{},
			func(h proto.ReplyHeader, err error) {
				defer wg.Done()
				if replies.Add(1) == 100 {
					signalOnce.Do(func() {
						signalled.Store(true)
						syscall.Kill(n.p.cmd.Process.Pid, syscall.SIGTERM)
					})
				}
				if err != nil || h.Err != proto.ErrOK {
					return
				}
				oks.Add(1)
				if signalled.Load() {
					afterSignal.Add(1)
				}
				mu.Lock()
				acknowledged = append(acknowledged, path)
				mu.Unlock()
			})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%d of %d requests still unanswered 20 s after SIGTERM", total-replies.Load(), total)
	}
	if err := n.Stop(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, n.Output())
	}
	if afterSignal.Load() == 0 {
		t.Errorf("no write was answered after SIGTERM: in-flight writes were cut off (%d acknowledged before)", oks.Load())
	}
	t.Logf("%d creates acknowledged, %d of them after SIGTERM", oks.Load(), afterSignal.Load())

	n2 := startWarrenIn(t, "", dir)
	c2, err := client.Dial(ctx, n2.Addr, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	for _, p := range acknowledged {
		if ok, _, err := c2.Exists(ctx, p); !ok || err != nil {
			t.Fatalf("acknowledged %s missing after restart (%v)", p, err)
		}
	}
}
