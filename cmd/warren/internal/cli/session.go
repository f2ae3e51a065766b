package cli

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/warrenzk/warren/core/client"
	"github.com/warrenzk/warren/core/proto"
)

// States, as ZooKeeper.States names them in zkCli's prompt.
const (
	stateNotConnected = "NOT_CONNECTED" // never connected yet (one-shot mode connects on first use)
	stateConnecting   = "CONNECTING"
	stateConnected    = "CONNECTED"
	stateClosed       = "CLOSED"
	stateAuthFailed   = "AUTH_FAILED"
)

// session is the shell's connection to the ensemble: the first server of
// the list that answers, and, when that connection drops, the same session
// resumed on any of them with its credentials and watches, as the Java
// client does. Its watch table and the credentials added with addauth
// belong to the session.
type session struct {
	timeout  time.Duration
	readOnly bool
	notify   func(proto.WatcherEvent) // state changes and watch notifications
	watches  watchTable

	// authMu is held while addauth waits for its answer: a server that
	// refuses credentials closes the connection, and resume must see that
	// as the end of the session, not as a drop to recover from.
	authMu sync.Mutex

	mu       sync.Mutex
	hosts    string // the -server string, for the prompt
	servers  []string
	conn     *client.Conn
	state    string
	id       int64
	passwd   []byte
	lastZxid int64              // the newest zxid the session's connections have seen
	auths    []proto.AuthPacket // replayed on a resumed connection
	// authFailed is set when addauth was refused and no command has run
	// since: the Java client sends credentials without waiting, so the
	// next command still runs and fails with AuthFailed; later ones find
	// the session dead ("Not connected").
	authFailed bool
	cur        *generation // replaced by connect and close: an older one's resumer stops
	wg         sync.WaitGroup
}

// generation is one session's life in the shell, from connect (or the
// start) to close; its context ends when it does, which stops a resumer
// dialing or waiting on its behalf at once.
type generation struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// newGen ends the current generation and starts the next; s.mu is held.
func (s *session) newGen() *generation {
	if s.cur != nil {
		s.cur.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cur = &generation{ctx, cancel}
	return s.cur
}

func newSession(hosts string, timeout time.Duration, readOnly bool, notify func(proto.WatcherEvent)) *session {
	s := &session{timeout: timeout, readOnly: readOnly, notify: notify, state: stateNotConnected}
	s.setHosts(hosts)
	return s
}

func (s *session) setHosts(hosts string) {
	var servers []string
	for _, h := range strings.Split(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			servers = append(servers, h)
		}
	}
	s.mu.Lock()
	s.hosts, s.servers = hosts, servers
	s.mu.Unlock()
}

// Status returns the -server string and the prompt's name for the
// connection's state.
func (s *session) Status() (hosts, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hosts, s.state
}

// alive is ZooKeeper.States.isAlive: commands may run (and fail with
// ConnectionLoss while reconnecting).
func (s *session) alive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state != stateClosed && (s.state != stateAuthFailed || s.authFailed)
}

func (s *session) event(st proto.KeeperState) {
	s.notify(proto.WatcherEvent{Type: proto.EventNone, State: st})
}

// dial tries each server in turn, resuming the session id, passwd if set.
// Each attempt may take the session timeout shared by the servers, as the
// Java client's connect timeout is, so one silent host cannot hold up the
// rest.
func (s *session) dial(ctx context.Context, id int64, passwd []byte) (*client.Conn, error) {
	s.mu.Lock()
	servers, lastZxid := s.servers, s.lastZxid
	s.mu.Unlock()
	if len(servers) == 0 {
		return nil, errors.New("no server to connect to")
	}
	var err error
	for _, addr := range servers {
		actx, cancel := context.WithTimeout(ctx, s.timeout/time.Duration(len(servers)))
		var c *client.Conn
		c, err = client.Dial(actx, addr, client.Options{
			SessionTimeout: s.timeout, SessionID: id, Password: passwd, ReadOnly: s.readOnly,
			LastZxidSeen: lastZxid, OnEvent: s.onEvent,
		})
		cancel()
		if err == nil {
			return c, nil
		}
		if errors.Is(err, proto.ErrSessionExpired) {
			return nil, err
		}
	}
	return nil, err
}

func (s *session) onEvent(ev proto.WatcherEvent) {
	s.watches.fired(ev)
	s.notify(ev)
}

// open starts a new session, closing the current one first. If no server
// answers and retry is set, the session stays CONNECTING and keeps trying
// in the background, as the Java client does; otherwise it is CLOSED.
func (s *session) open(retry bool) error {
	s.close(false)
	s.mu.Lock()
	g := s.newGen()
	s.state, s.auths, s.lastZxid = stateConnecting, nil, 0
	s.mu.Unlock()
	s.watches.reset()
	c, err := s.dial(g.ctx, 0, nil)
	switch {
	case err == nil:
		s.attach(g, c, true)
	case retry:
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.redial(g, 0, nil, nil)
		}()
	default:
		s.mu.Lock()
		if s.cur == g {
			s.state = stateClosed
		}
		s.mu.Unlock()
	}
	return err
}

// attach makes c the session's connection and watches it for a drop;
// announce prints the SyncConnected event.
func (s *session) attach(g *generation, c *client.Conn, announce bool) {
	s.mu.Lock()
	if s.cur != g {
		s.mu.Unlock()
		c.Close()
		return
	}
	s.conn, s.state = c, stateConnected
	s.id, s.passwd = c.SessionID(), c.Password()
	s.mu.Unlock()
	if announce {
		s.event(proto.StateSyncConnected)
	}
	s.wg.Add(1)
	go s.resume(g, c)
}

// resume waits for c to drop, then reconnects with the same session.
func (s *session) resume(g *generation, c *client.Conn) {
	defer s.wg.Done()
	<-c.Done()
	s.authMu.Lock()
	s.authMu.Unlock() // held only to wait for an addauth in flight
	s.mu.Lock()
	if s.cur != g {
		s.mu.Unlock()
		return
	}
	s.state = stateConnecting
	s.lastZxid = max(s.lastZxid, c.LastZxid())
	id, passwd, auths := s.id, s.passwd, s.auths
	s.mu.Unlock()
	s.event(proto.StateDisconnected)
	s.redial(g, id, passwd, auths)
}

// redial dials until a server takes the session (id 0: a new one), the
// session is expired, or the shell moved on (connect, close, quit).
func (s *session) redial(g *generation, id int64, passwd []byte, auths []proto.AuthPacket) {
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		nc, err := s.dial(g.ctx, id, passwd)
		s.mu.Lock()
		stale := s.cur != g
		if !stale && errors.Is(err, proto.ErrSessionExpired) {
			s.state, s.conn = stateClosed, nil
		}
		s.mu.Unlock()
		switch {
		case stale:
			if nc != nil {
				nc.Close()
			}
			return
		case err == nil: // connected first, then what the watches missed, as in Java
			s.event(proto.StateSyncConnected)
			s.restore(g, nc, auths)
			s.attach(g, nc, false)
			return
		case errors.Is(err, proto.ErrSessionExpired):
			s.event(proto.StateExpired)
			return
		}
		select {
		case <-time.After(delay):
		case <-g.ctx.Done():
			return
		}
	}
}

// restore sends a resumed session's credentials and watches on its new
// connection, before any command can: a watch whose znode changed while
// the session was away fires at once, as the Java client's do.
func (s *session) restore(g *generation, c *client.Conn, auths []proto.AuthPacket) {
	ctx, cancel := context.WithTimeout(g.ctx, s.timeout)
	defer cancel()
	for _, a := range auths {
		_ = c.AddAuth(ctx, a.Scheme, a.Auth)
	}
	if !s.watches.empty() {
		s.mu.Lock()
		last := s.lastZxid
		s.mu.Unlock()
		_ = c.SetWatches(ctx, s.watches.setWatches(last))
	}
}

// Conn returns the live connection, connecting first if the session was
// never opened (one-shot mode connects only for a command that needs it).
// Without one the error is a connection loss, as the Java client's.
func (s *session) Conn() (*client.Conn, error) {
	if _, state := s.Status(); state == stateNotConnected {
		if err := s.open(false); err != nil {
			return nil, proto.ErrConnectionLoss
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateAuthFailed {
		return nil, proto.ErrAuthFailed
	}
	if s.state != stateConnected {
		return nil, proto.ErrConnectionLoss
	}
	return s.conn, nil
}

// addAuth sends credentials and remembers them for a resumed connection.
// A rejected scheme ends the session as the Java client's: state
// AUTH_FAILED and an AuthFailed event.
func (s *session) addAuth(ctx context.Context, scheme string, auth []byte) error {
	c, err := s.Conn()
	if err != nil {
		return err
	}
	s.authMu.Lock()
	defer s.authMu.Unlock()
	err = c.AddAuth(ctx, scheme, auth)
	if codeOf(err) == proto.ErrAuthFailed {
		s.mu.Lock()
		s.newGen()
		s.state, s.conn, s.authFailed = stateAuthFailed, nil, true
		s.mu.Unlock()
		c.Close()
		s.event(proto.StateAuthFailed)
		return nil
	}
	if err == nil {
		s.mu.Lock()
		s.auths = append(s.auths, proto.AuthPacket{Scheme: scheme, Auth: auth})
		s.mu.Unlock()
	}
	return err
}

// close ends the session; event says whether to report it (state Closed).
func (s *session) close(event bool) {
	s.mu.Lock()
	c := s.conn
	s.newGen()
	s.conn = nil
	wasOpen := s.state == stateConnected || s.state == stateConnecting
	if s.state != stateNotConnected {
		s.state = stateClosed
	}
	s.mu.Unlock()
	if c != nil {
		c.Close()
	}
	if event && wasOpen {
		s.event(proto.StateClosed)
	}
}

// settle ends the grace a refused addauth leaves to the next command; the
// dispatcher calls it once that command has passed the alive check.
func (s *session) settle() {
	s.mu.Lock()
	s.authFailed = false
	s.mu.Unlock()
}
