// Package client is a small pipelined ZooKeeper client built on core/proto:
// one connection, any number of requests in flight (up to a bound), replies
// matched to requests in FIFO order, watch notifications handed to a
// callback. It is what `warren bench` drives, so the hot path allocates
// nothing beyond the records themselves.
//
// A Conn does not reconnect: when its connection fails every pending call
// fails with proto.ErrConnectionLoss and the Conn is done. A caller that
// wants the session back dials again with Options.SessionID and Password.
package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warrenzk/warren/core/proto"
)

// ErrClosed is returned for calls made on, or cut short by, a closed Conn.
var ErrClosed = errors.New("client: connection closed")

// Options configure Dial. The zero value is usable.
type Options struct {
	// SessionTimeout is asked of the server (default 10s); the server may
	// grant another, which Conn.SessionTimeout reports. Pings go out at a
	// third of the granted timeout.
	SessionTimeout time.Duration
	// SessionID and Password resume an existing session; zero starts a new one.
	SessionID int64
	Password  []byte
	// MaxInFlight bounds the requests sent and not yet answered (default
	// 1024); Go and Do block while it is reached.
	MaxInFlight int
	// OnEvent receives watch notifications, on the reader goroutine: it
	// must not block or call the Conn synchronously.
	OnEvent func(proto.WatcherEvent)
	// Dialer opens the connection (default: a net.Dialer).
	Dialer func(ctx context.Context, addr string) (net.Conn, error)
	// ReadOnly asks for a read-only session, which a server cut off from
	// its quorum may still grant (zkCli.sh's -r).
	ReadOnly bool
	// LastZxidSeen is the newest zxid the client has seen (LastZxid of the
	// session's previous Conn): a server behind it refuses the connection,
	// so that a resumed session never goes back in time.
	LastZxidSeen int64
}

// Conn is one client connection and its session. It is safe for
// concurrent use.
type Conn struct {
	nc        net.Conn
	opts      Options
	sessionID int64
	password  []byte
	timeout   time.Duration
	slots     chan struct{} // one token per request in flight

	mu      sync.Mutex
	xid     int32
	out     []byte // frames encoded and not yet handed to the writer
	enc     proto.Encoder
	pending queue
	auths   queue // auth packets (xid -4), answered outside the xid order
	sent    bool  // something was written since the last ping tick
	err     error // why the Conn stopped; set once
	closing bool  // Close was called: the server's hang-up is ErrClosed

	lastZxid atomic.Int64 // newest zxid in a reply; written by the reader only

	wake chan struct{} // tells the writer that out has frames
	done chan struct{} // closed when the Conn stops
	wg   sync.WaitGroup
}

// Dial connects to addr and establishes a session; ctx bounds the handshake.
func Dial(ctx context.Context, addr string, opts Options) (*Conn, error) {
	if opts.SessionTimeout <= 0 {
		opts.SessionTimeout = 10 * time.Second
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 1024
	}
	dial := opts.Dialer
	if dial == nil {
		var d net.Dialer
		dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	nc, err := dial(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true) // Go's default, restated because batching is ours to do
	}
	c := &Conn{
		nc:    nc,
		opts:  opts,
		slots: make(chan struct{}, opts.MaxInFlight),
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
	if err := c.handshake(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	c.wg.Add(3)
	go c.readLoop()
	go c.writeLoop()
	go c.pingLoop()
	return c, nil
}

// handshake sends the ConnectRequest and reads the ConnectResponse.
func (c *Conn) handshake(ctx context.Context) error {
	if dl, ok := ctx.Deadline(); ok {
		_ = c.nc.SetDeadline(dl)
	} else {
		_ = c.nc.SetDeadline(time.Now().Add(c.opts.SessionTimeout))
	}
	defer c.nc.SetDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	req := proto.ConnectRequest{
		TimeOut:      int32(c.opts.SessionTimeout / time.Millisecond),
		LastZxidSeen: c.opts.LastZxidSeen,
		SessionID:    c.opts.SessionID,
		Passwd:       c.opts.Password,
		ReadOnly:     c.opts.ReadOnly,
		HasReadOnly:  true,
	}
	if req.Passwd == nil {
		req.Passwd = make([]byte, 16)
	}
	var e proto.Encoder
	if _, err := c.nc.Write(appendFrame(&e, nil, nil, &req)); err != nil {
		return err
	}
	body, err := readFrame(c.nc, nil)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	var resp proto.ConnectResponse
	d := proto.NewDecoder(body)
	resp.Decode(d)
	if d.Err() != nil {
		return fmt.Errorf("connect response: %w", d.Err())
	}
	if resp.SessionID == 0 || resp.TimeOut <= 0 {
		return proto.ErrSessionExpired
	}
	c.sessionID = resp.SessionID
	c.password = append([]byte(nil), resp.Passwd...)
	c.timeout = time.Duration(resp.TimeOut) * time.Millisecond
	return nil
}

// SessionID is the session's id.
func (c *Conn) SessionID() int64 { return c.sessionID }

// Password is the session's password, for resuming it with Dial.
func (c *Conn) Password() []byte { return c.password }

// SessionTimeout is the timeout the server granted.
func (c *Conn) SessionTimeout() time.Duration { return c.timeout }

// LastZxid is the newest zxid the server has reported in a reply so far
// (0 before any), what Options.LastZxidSeen and setWatches want when the
// session is resumed on a new connection.
func (c *Conn) LastZxid() int64 { return c.lastZxid.Load() }

// Done is closed when the Conn has stopped; Err then says why.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is nil while the Conn runs, then the reason it stopped.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close ends the session (closeSession, answered or not within a second)
// and the connection, and waits for the Conn's goroutines. Calls still
// pending fail with ErrClosed.
func (c *Conn) Close() error {
	select {
	case <-c.done:
	default:
		c.mu.Lock()
		c.closing = true
		c.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, _ = c.Do(ctx, proto.OpCloseSession, nil, nil)
		cancel()
		c.fail(ErrClosed)
	}
	c.wg.Wait()
	return nil
}

// fail stops the Conn with err (the first reason wins): the socket is
// closed, which ends the reader and writer, and every pending call fails.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	if c.closing {
		err = ErrClosed
	}
	c.err = err
	close(c.done)
	c.nc.Close()
	var calls []*call
	for c.pending.size > 0 {
		calls = append(calls, c.pending.pop())
	}
	for c.auths.size > 0 {
		calls = append(calls, c.auths.pop())
	}
	c.out = nil
	c.mu.Unlock()
	for _, cl := range calls {
		c.complete(cl, proto.ReplyHeader{Xid: cl.xid, Err: proto.ErrConnectionLoss}, nil, nil, err)
	}
}
