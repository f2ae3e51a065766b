package client

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/warrenzk/warren/auth"
	"github.com/warrenzk/warren/core/server"
	"github.com/warrenzk/warren/storage/memory"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// go-zookeeper's connections finish their goroutines shortly after Close.
		goleak.IgnoreTopFunction("github.com/go-zookeeper/zk.(*Conn).loop"),
		goleak.IgnoreTopFunction("github.com/go-zookeeper/zk.(*Conn).sendLoop"),
		goleak.IgnoreTopFunction("github.com/go-zookeeper/zk.(*Conn).recvLoop"),
		goleak.IgnoreTopFunction("time.Sleep"),
	)
}

// startNode runs an in-process standalone Warren node on a free loopback
// port with an in-memory log, stopped when the test ends; it returns the
// node's address.
func startNode(t *testing.T) string { return startNodeB(t) }

// startNodeB is startNode for tests and benchmarks alike.
func startNodeB(t testing.TB) string {
	t.Helper()
	srv, err := server.New(server.Config{
		TickTime:        50 * time.Millisecond,
		ExtendedTypes:   true,
		FourLetterWords: []string{"*"},
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, memory.NewBackend(), &auth.Checker{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return l.Addr().String()
}

// dial connects to addr and closes the Conn when the test ends.
func dial(t *testing.T, addr string, opts Options) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
