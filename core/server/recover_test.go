package server

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/storage"
	"github.com/warrenzk/warren/storage/memory"
)

// znodeState is what a restart must keep of a znode.
type znodeState struct {
	data string
	stat zk.Stat
}

// readTree reads every znode under root (and root) over the client protocol.
func readTree(t *testing.T, c *zk.Conn, root string) map[string]znodeState {
	t.Helper()
	out := map[string]znodeState{}
	var walk func(p string)
	walk = func(p string) {
		data, st, err := c.Get(p)
		if err != nil {
			t.Fatalf("get %s: %v", p, err)
		}
		out[p] = znodeState{string(data), *st}
		kids, _, err := c.Children(p)
		if err != nil {
			t.Fatalf("children %s: %v", p, err)
		}
		for _, k := range kids {
			walk(p + "/" + k)
		}
	}
	walk(root)
	return out
}

func sameTree(t *testing.T, what string, got, want map[string]znodeState) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d znodes, want %d", what, len(got), len(want))
	}
	for p, w := range want {
		if g, ok := got[p]; !ok {
			t.Errorf("%s: %s missing", what, p)
		} else if g != w {
			t.Errorf("%s: %s = %+v, want %+v", what, p, g, w)
		}
	}
}

// TestRestartRecoversSnapshotAndLog writes enough to take several
// snapshots while writing, crashes the node (keeping only what its storage
// made durable), and checks that the restarted node serves the same tree,
// the same zxid, and the sessions that were open, whose ephemerals go only
// when those sessions expire.
func TestRestartRecoversSnapshotAndLog(t *testing.T) {
	store := memory.NewBackend()
	small := func(c *Config) { c.SnapCount = 40 }
	n := startNodeOn(t, store, small)
	c, _ := n.client(t, time.Second)
	holder, _ := n.client(t, 2*time.Second)
	acl := zk.WorldACL(zk.PermAll)
	if _, err := holder.Create("/eph", []byte("e"), zk.FlagEphemeral, acl); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/r", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		p := fmt.Sprintf("/r/n%d", i%50)
		switch i / 50 {
		case 0, 2, 4:
			if _, err := c.Create(p, []byte(p), 0, acl); err != nil && !errors.Is(err, zk.ErrNodeExists) {
				t.Fatal(err)
			}
		case 1, 5:
			if _, err := c.Set(p, []byte(fmt.Sprint(i)), -1); err != nil {
				t.Fatal(err)
			}
		case 3:
			if err := c.Delete(p, -1); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := readTree(t, c, "/r")
	wantEph, _, _ := c.Get("/eph")
	wantZxid := n.srv.tree.LastZxid()
	waitFor(t, func() bool { return n.srv.snaps.written.Load() > 0 && !n.srv.snaps.running.Load() }, "a snapshot")
	n.stop()
	holder.Close() // too late: the node is gone, the session is not closed

	list, err := store.Snapshots().List()
	if err != nil || len(list) == 0 {
		t.Fatalf("snapshots after the run: %v, %v", list, err)
	}
	restarted := startNodeOn(t, store.Durable(), small, func(c *Config) { c.TickTime = 20 * time.Millisecond })
	if got := restarted.srv.tree.LastZxid(); got != wantZxid {
		t.Fatalf("last zxid after restart %#x, want %#x", got, wantZxid)
	}
	c2, _ := restarted.client(t, time.Second)
	sameTree(t, "after restart", readTree(t, c2, "/r"), want)
	if data, _, err := c2.Get("/eph"); err != nil || string(data) != string(wantEph) {
		t.Fatalf("ephemeral of a restored session: %q, %v", data, err)
	}
	// Its client never comes back: the session expires by its own timeout.
	waitFor(t, func() bool {
		ok, _, _ := c2.Exists("/eph")
		return !ok
	}, "the restored session to expire")
	if _, err := c2.Create("/r/after", nil, 0, acl); err != nil {
		t.Fatalf("write after restart: %v", err)
	}
}

// failingLog is a memory log whose Sync fails while fail is set, keeping the
// storage contract: a failed Sync drops what was appended since the last
// good one.
type failingLog struct {
	*memory.Log
	mu       sync.Mutex
	fail     bool
	synced   int64
	failures int
}

func (l *failingLog) setFailing(v bool) {
	l.mu.Lock()
	l.fail = v
	l.mu.Unlock()
}

func (l *failingLog) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail {
		l.failures++
		if err := l.Log.TruncateAfter(l.synced); err != nil {
			return err
		}
		return errors.New("injected: no space left on device")
	}
	if err := l.Log.Sync(); err != nil {
		return err
	}
	l.synced = l.Log.LastZxid()
	return nil
}

type failingBackend struct {
	*memory.Backend
	log *failingLog
}

func (b failingBackend) Log() storage.TxnLog { return b.log }

// TestLogFailureRefusesWritesAndHeals checks what a full log device does:
// writes get SystemError and change nothing, reads and sessions go on, and
// writes succeed again once the log does, with nothing of the failed ones
// in the tree or the log.
func TestLogFailureRefusesWritesAndHeals(t *testing.T) {
	mem := memory.NewBackend()
	fl := &failingLog{Log: mem.Log().(*memory.Log)}
	n := startNodeOn(t, failingBackend{mem, fl})
	c, _ := n.client(t, 2*time.Second)
	acl := zk.WorldACL(zk.PermAll)
	if _, err := c.Create("/a", []byte("1"), 0, acl); err != nil {
		t.Fatal(err)
	}
	before := n.srv.tree.LastZxid()

	fl.setFailing(true)
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.Create(fmt.Sprintf("/lost%d", i), nil, 0, acl)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil || errors.Is(err, zk.ErrConnectionClosed) {
			t.Fatalf("create %d while the log fails: %v, want SystemError", i, err)
		}
	}
	if _, err := c.Set("/a", []byte("2"), -1); err == nil {
		t.Fatal("setData acknowledged while the log fails")
	}
	if data, _, err := c.Get("/a"); err != nil || string(data) != "1" {
		t.Fatalf("read while the log fails: %q, %v", data, err)
	}
	if got := n.srv.tree.LastZxid(); got != before {
		t.Fatalf("the tree moved to %#x while the log failed (was %#x)", got, before)
	}

	fl.setFailing(false)
	st, err := c.Set("/a", []byte("3"), 0)
	if err != nil {
		t.Fatalf("write after the log recovered: %v", err)
	}
	if st.Mzxid != before+1 || st.Version != 1 {
		t.Fatalf("stat after recovery %+v: want mzxid %#x (no zxid lost to the failed writes), version 1", st, before+1)
	}
	if ok, _, _ := c.Exists("/lost0"); ok {
		t.Fatal("a write answered SystemError was applied")
	}
	if fl.failures == 0 {
		t.Fatal("the injected failure never happened")
	}
	if got := n.srv.Metrics().TxnLogFailures; got == 0 {
		t.Fatal("the failed group commit is not in Metrics().TxnLogFailures")
	}
	n.stop()

	// The durable state holds exactly the acknowledged writes.
	restarted := startNodeOn(t, mem.Durable())
	if got := restarted.srv.tree.LastZxid(); got != before+1 {
		t.Fatalf("last zxid after restart %#x, want %#x", got, before+1)
	}
	c2, _ := restarted.client(t, time.Second)
	if data, st, err := c2.Get("/a"); err != nil || string(data) != "3" || st.Version != 1 {
		t.Fatalf("after restart /a = %q %+v %v", data, st, err)
	}
	for i := range errs {
		if ok, _, _ := c2.Exists(fmt.Sprintf("/lost%d", i)); ok {
			t.Fatalf("/lost%d survived a restart", i)
		}
	}
}

// Interface guard: the test's wrapper is a full backend.
var _ storage.Backend = failingBackend{}

// closeSessionLost checks that a closeSession whose txn is lost leaves the
// session usable. Kept small: the client sees an error and its session
// lives on.
func TestLostCloseSessionKeepsSession(t *testing.T) {
	mem := memory.NewBackend()
	fl := &failingLog{Log: mem.Log().(*memory.Log)}
	n := startNodeOn(t, failingBackend{mem, fl})
	c, _ := n.client(t, 2*time.Second)
	id := c.SessionID()
	fl.setFailing(true)
	n.srv.submit(&request{session: id, op: proto.OpCloseSession, internal: true})
	waitFor(t, func() bool {
		fl.mu.Lock()
		defer fl.mu.Unlock()
		return fl.failures > 0
	}, "the lost closeSession")
	fl.setFailing(false)
	waitFor(t, func() bool { return n.srv.sessions.check(id) == nil }, "the session to be usable again")
	if _, err := c.Create("/still", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("write on the session after its lost close: %v", err)
	}
}

// TestAutopurge checks that the purge keeps SnapRetainCount snapshots and
// drops the log the oldest of them does not need, and that the node still
// recovers from what is left.
func TestAutopurge(t *testing.T) {
	store := memory.NewBackend()
	n := startNodeOn(t, store, func(c *Config) {
		c.SnapCount = 20
		c.SnapRetainCount = 3
		c.PurgeInterval = 20 * time.Millisecond
	})
	c, _ := n.client(t, time.Second)
	acl := zk.WorldACL(zk.PermAll)
	for i := range 300 {
		if _, err := c.Create(fmt.Sprintf("/p%03d", i), nil, 0, acl); err != nil {
			t.Fatal(err)
		}
	}
	var oldest int64
	waitFor(t, func() bool {
		list, err := store.Snapshots().List()
		if err != nil || len(list) != 3 {
			return false
		}
		oldest = list[len(list)-1].Zxid
		_, err = store.Log().ReadFrom(oldest)
		return errors.Is(err, storage.ErrCompacted)
	}, "the purge to leave 3 snapshots and no log before the oldest")
	if _, err := store.Log().ReadFrom(oldest + 1); err != nil {
		t.Fatalf("the log after the oldest kept snapshot is gone: %v", err)
	}
	want := n.srv.tree.LastZxid()
	n.stop()
	restarted := startNodeOn(t, store.Durable())
	if got := restarted.srv.tree.LastZxid(); got != want {
		t.Fatalf("last zxid after purge and restart %#x, want %#x", got, want)
	}
	c2, _ := restarted.client(t, time.Second)
	if ok, _, err := c2.Exists("/p299"); !ok || err != nil {
		t.Fatalf("/p299 after purge and restart: %v, %v", ok, err)
	}
}
