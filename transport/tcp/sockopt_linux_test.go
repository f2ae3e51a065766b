package tcp_test

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/warrenzk/warren/transport/tcp"
)

// TestSocketOptions reads the options back from the kernel on both ends of
// a connection: Nagle off, keepalive on with the configured idle time.
func TestSocketOptions(t *testing.T) {
	tr := tcp.NewTransport(42 * time.Second)
	l, err := tr.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			t.Errorf("Accept: %v", err)
		}
		accepted <- c
	}()
	dialed, err := tr.Dial(context.Background(), l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer dialed.Close()
	server := <-accepted
	if server == nil {
		return
	}
	defer server.Close()

	for name, c := range map[string]net.Conn{"accepted": server, "dialed": dialed} {
		want := map[string]struct{ level, opt, value int }{
			"TCP_NODELAY":   {syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1},
			"SO_KEEPALIVE":  {syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1},
			"TCP_KEEPIDLE":  {syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, 42},
			"TCP_KEEPINTVL": {syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL, 42},
		}
		raw, err := c.(syscall.Conn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		for opt, w := range want {
			var got int
			var gerr error
			if err := raw.Control(func(fd uintptr) {
				got, gerr = syscall.GetsockoptInt(int(fd), w.level, w.opt)
			}); err != nil {
				t.Fatal(err)
			}
			if gerr != nil {
				t.Fatalf("%s: getsockopt %s: %v", name, opt, gerr)
			}
			if got != w.value {
				t.Errorf("%s: %s = %d, want %d", name, opt, got, w.value)
			}
		}
	}
}
