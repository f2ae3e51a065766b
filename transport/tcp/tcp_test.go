package tcp_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/warrenzk/warren/transport"
	"github.com/warrenzk/warren/transport/tcp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newTransport(t *testing.T, opts map[string]any) transport.Transport {
	t.Helper()
	tr, err := transport.Default.Open("tcp", transport.Config{Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// echoServer accepts connections on l and echoes each line back until the
// peer closes; it returns once l is closed and every handler has finished.
func echoServer(t *testing.T, l net.Listener) (wait func()) {
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("Accept: %v", err)
				}
				return
			}
			wg.Go(func() {
				defer c.Close()
				if _, err := io.Copy(c, c); err != nil {
					t.Errorf("echo: %v", err)
				}
			})
		}
	})
	return wg.Wait
}

func TestEcho(t *testing.T) {
	tr := newTransport(t, nil)
	l, err := tr.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	wait := echoServer(t, l)
	defer wait()
	defer l.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		c, err := tr.Dial(ctx, l.Addr().String())
		if err != nil {
			t.Fatalf("Dial: %v", err)
		}
		r := bufio.NewReader(c)
		for _, msg := range []string{"ruok\n", "a longer line of text\n"} {
			if _, err := io.WriteString(c, msg); err != nil {
				t.Fatalf("conn %d: write: %v", i, err)
			}
			got, err := r.ReadString('\n')
			if err != nil || got != msg {
				t.Fatalf("conn %d: echo = %q, %v; want %q", i, got, err, msg)
			}
		}
		c.Close()
	}
}

func TestDialCancelled(t *testing.T) {
	tr := newTransport(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// 192.0.2.1 (TEST-NET-1) is never routed, but the cancelled context
	// must stop the dial before the network is even asked.
	if _, err := tr.Dial(ctx, "192.0.2.1:2181"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestDialRefused(t *testing.T) {
	tr := newTransport(t, nil)
	l, err := tr.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if _, err := tr.Dial(context.Background(), addr); err == nil {
		t.Fatalf("Dial to a closed port succeeded")
	}
}

func TestListenInUse(t *testing.T) {
	tr := newTransport(t, nil)
	l, err := tr.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l2, err := tr.Listen(l.Addr().String()); err == nil {
		l2.Close()
		t.Fatal("second Listen on a bound port succeeded")
	}
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name string
		opts map[string]any
		ok   bool
	}{
		{"none", nil, true},
		{"keepalive string", map[string]any{"keepalive": "30s"}, true},
		{"keepalive duration", map[string]any{"keepalive": 30 * time.Second}, true},
		{"keepalive garbage", map[string]any{"keepalive": "soon"}, false},
		{"keepalive number", map[string]any{"keepalive": 30}, false},
		{"keepalive zero", map[string]any{"keepalive": "0s"}, false},
		{"unknown key", map[string]any{"keepalive": "30s", "nodelay": false}, false},
	}
	for _, tt := range tests {
		_, err := tcp.New(transport.Config{Options: tt.opts})
		if (err == nil) != tt.ok {
			t.Errorf("%s: New = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestRegistered(t *testing.T) {
	if !slices.Contains(transport.Default.Names(), "tcp") {
		t.Fatalf("tcp not in %v", transport.Default.Names())
	}
}
