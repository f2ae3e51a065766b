package server

import (
	"sync"
	"time"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/session"
)

// sessionState is one global session as this server knows it.
type sessionState struct {
	id      int64
	timeout time.Duration
	closing bool
	conn    *conn // the connection the session is attached to, if any
}

// sessionTable holds the live sessions and their expiry tracker. Sessions
// are created and closed only by applied txns; attach, detach and touch
// follow the client's connections.
type sessionTable struct {
	mu      sync.Mutex
	byID    map[int64]*sessionState
	tracker *session.Tracker
	now     func() time.Time
}

func newSessionTable(tick time.Duration, now func() time.Time) *sessionTable {
	return &sessionTable{byID: map[int64]*sessionState{}, tracker: session.NewTracker(tick), now: now}
}

// add registers a session created by an applied createSession txn.
func (t *sessionTable) add(id int64, timeout time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.byID[id]; ok {
		return
	}
	t.byID[id] = &sessionState{id: id, timeout: timeout}
	t.tracker.Add(id, timeout, t.now())
}

// remove forgets a session closed by an applied closeSession txn and returns
// the connection it was attached to, if any.
func (t *sessionTable) remove(id int64) *conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.byID[id]
	if !ok {
		return nil
	}
	delete(t.byID, id)
	t.tracker.Remove(id)
	return s.conn
}

// check is SessionTracker.checkSession: writes of an unknown or closing
// session fail with SessionExpired.
func (t *sessionTable) check(id int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.byID[id]
	if !ok || s.closing {
		return proto.ErrSessionExpired
	}
	return nil
}

// setClosing marks a session whose closeSession txn is being prepared: it
// is not touched or expired again, and its writes fail.
func (t *sessionTable) setClosing(id int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.byID[id]; ok {
		s.closing = true
	}
	t.tracker.SetClosing(id)
}

// reopen undoes setClosing (or expiry) for a session whose closeSession
// txn was never logged.
func (t *sessionTable) reopen(id int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.byID[id]; ok {
		s.closing = false
		t.tracker.Reopen(id, t.now())
	}
}

// attach binds a reattaching client's connection to its live session and
// returns the connection it replaces. ok is false if the session is unknown
// or closing.
func (t *sessionTable) attach(id int64, c *conn) (old *conn, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, found := t.byID[id]
	if !found || s.closing {
		return nil, false
	}
	old, s.conn = s.conn, c
	t.tracker.Touch(id, t.now())
	if old == c {
		old = nil
	}
	return old, true
}

// bind attaches a new session's first connection.
func (t *sessionTable) bind(id int64, c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.byID[id]; ok {
		s.conn = c
	}
}

// detach unbinds c from its session when the connection closes; the
// session lives on until it expires or the client reattaches.
func (t *sessionTable) detach(id int64, c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.byID[id]; ok && s.conn == c {
		s.conn = nil
	}
}

// touch records client activity on a session.
func (t *sessionTable) touch(id int64, now time.Time) {
	t.tracker.Touch(id, now)
}

// expired pops the sessions whose deadline has passed.
func (t *sessionTable) expired() []int64 {
	ids := t.tracker.Expired(t.now())
	if len(ids) == 0 {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range ids {
		if s, ok := t.byID[id]; ok {
			s.closing = true
		}
	}
	return ids
}

// len is the number of live sessions.
func (t *sessionTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byID)
}

// snapshot lists the live sessions and their timeouts (for dump and cons).
func (t *sessionTable) snapshot() map[int64]time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := make(map[int64]time.Duration, len(t.byID))
	for id, s := range t.byID {
		m[id] = s.timeout
	}
	return m
}
