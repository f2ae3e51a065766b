package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/goleak"

	"github.com/warrenzk/warren/auth"
	"github.com/warrenzk/warren/storage"
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

type testNode struct {
	srv  *Server
	addr string
	stop func() // shuts the node down; later calls do nothing
}

// startNode runs a standalone node on 127.0.0.1 with a random port and an
// in-memory log, stopped when the test ends.
func startNode(t testing.TB, mutate ...func(*Config)) *testNode {
	t.Helper()
	return startNodeOn(t, memory.NewBackend(), mutate...)
}

// startNodeOn is startNode over the given storage, which the node does not
// close. stop shuts the node down before the test ends.
func startNodeOn(t testing.TB, store storage.Backend, mutate ...func(*Config)) *testNode {
	t.Helper()
	cfg := Config{
		TickTime:               50 * time.Millisecond,
		ExtendedTypes:          true,
		ContainerCheckInterval: 100 * time.Millisecond,
		FourLetterWords:        []string{"*"},
		MaxClientCnxns:         60,
		Logger:                 slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := New(cfg, store, &auth.Checker{})
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
	n := &testNode{srv: srv, addr: l.Addr().String()}
	n.stop = sync.OnceFunc(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		// A test may stop the node before Serve ran: Serve then says so.
		if err := <-done; err != nil && !errors.Is(err, net.ErrClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	t.Cleanup(n.stop)
	return n
}

func (n *testNode) client(t *testing.T, timeout time.Duration) (*zk.Conn, <-chan zk.Event) {
	t.Helper()
	c, events, err := zk.Connect([]string{n.addr}, timeout, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(5 * time.Second)
	for c.State() != zk.StateHasSession {
		select {
		case <-deadline:
			t.Fatalf("no session after 5s (state %v)", c.State())
		case <-time.After(5 * time.Millisecond):
		}
	}
	return c, events
}

func TestCRUDAndStats(t *testing.T) {
	n := startNode(t)
	c, _ := n.client(t, time.Second)
	acl := zk.WorldACL(zk.PermAll)

	if _, err := c.Create("/a", []byte("one"), 0, acl); err != nil {
		t.Fatal(err)
	}
	data, st, err := c.Get("/a")
	if err != nil || string(data) != "one" {
		t.Fatalf("get = %q, %v", data, err)
	}
	if st.Version != 0 || st.Czxid != st.Mzxid || st.Czxid != st.Pzxid || st.DataLength != 3 || st.NumChildren != 0 {
		t.Fatalf("stat after create: %+v", st)
	}
	if _, err := c.Set("/a", []byte("two"), 5); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("set with wrong version: %v", err)
	}
	st2, err := c.Set("/a", []byte("two"), 0)
	if err != nil || st2.Version != 1 || st2.Mzxid <= st.Mzxid || st2.Czxid != st.Czxid {
		t.Fatalf("set = %+v, %v", st2, err)
	}

	seq1, err := c.Create("/a/s-", nil, zk.FlagSequence, acl)
	if err != nil || seq1 != "/a/s-0000000000" {
		t.Fatalf("sequential = %q, %v", seq1, err)
	}
	seq2, _ := c.Create("/a/s-", nil, zk.FlagSequence, acl)
	if seq2 != "/a/s-0000000001" {
		t.Fatalf("second sequential = %q", seq2)
	}
	children, st3, err := c.Children("/a")
	if err != nil || len(children) != 2 || st3.NumChildren != 2 || st3.Cversion != 2 {
		t.Fatalf("children = %v %+v %v", children, st3, err)
	}
	if err := c.Delete("/a", -1); !errors.Is(err, zk.ErrNotEmpty) {
		t.Fatalf("delete non-empty: %v", err)
	}
	if _, err := c.Create("/a", nil, 0, acl); !errors.Is(err, zk.ErrNodeExists) {
		t.Fatalf("create existing: %v", err)
	}
	if _, err := c.Create("/missing/child", nil, 0, acl); !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("create under missing parent: %v", err)
	}
	for _, p := range []string{seq1, seq2, "/a"} {
		if err := c.Delete(p, -1); err != nil {
			t.Fatalf("delete %s: %v", p, err)
		}
	}
	if ok, _, err := c.Exists("/a"); ok || err != nil {
		t.Fatalf("exists after delete = %v, %v", ok, err)
	}
	for _, p := range []string{"/zookeeper", "/zookeeper/quota", "/zookeeper/config"} {
		if ok, _, _ := c.Exists(p); !ok {
			t.Errorf("%s missing", p)
		}
	}
}

func TestEphemeralsGoWithTheirSession(t *testing.T) {
	n := startNode(t)
	owner, _ := n.client(t, time.Second)
	watcher, _ := n.client(t, time.Second)
	acl := zk.WorldACL(zk.PermAll)
	if _, err := owner.Create("/e", nil, zk.FlagEphemeral, acl); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Create("/e/child", nil, 0, acl); !errors.Is(err, zk.ErrNoChildrenForEphemerals) {
		t.Fatalf("child of ephemeral: %v", err)
	}
	ok, st, events, err := watcher.ExistsW("/e")
	if err != nil || !ok || st.EphemeralOwner != owner.SessionID() {
		t.Fatalf("exists = %v %+v %v", ok, st, err)
	}
	owner.Close()
	select {
	case ev := <-events:
		if ev.Type != zk.EventNodeDeleted || ev.Path != "/e" {
			t.Fatalf("event = %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no NodeDeleted after the owner closed its session")
	}
}

func TestSessionExpiryDeletesEphemerals(t *testing.T) {
	n := startNode(t)
	watcher, _ := n.client(t, time.Second)
	// A raw session that never pings expires after its timeout (min 2 ticks).
	rc := dialRaw(t, n.addr)
	id, _ := rc.connect(t, 0, nil, 100)
	rc.createEphemeral(t, "/gone")
	ok, _, events, err := watcher.ExistsW("/gone")
	if err != nil || !ok {
		t.Fatalf("exists = %v, %v", ok, err)
	}
	select {
	case ev := <-events:
		if ev.Type != zk.EventNodeDeleted {
			t.Fatalf("event = %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("session 0x%x did not expire", id)
	}
}

func TestWatchesFireOnceAndInOrder(t *testing.T) {
	n := startNode(t)
	c, _ := n.client(t, time.Second)
	other, _ := n.client(t, time.Second)
	acl := zk.WorldACL(zk.PermAll)
	c.Create("/w", []byte("x"), 0, acl)

	_, _, dataEv, err := c.GetW("/w")
	if err != nil {
		t.Fatal(err)
	}
	_, _, childEv, err := c.ChildrenW("/w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Set("/w", []byte("y"), -1); err != nil {
		t.Fatal(err)
	}
	if ev := <-dataEv; ev.Type != zk.EventNodeDataChanged || ev.Path != "/w" {
		t.Fatalf("data event = %+v", ev)
	}
	if _, err := other.Create("/w/c", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	if ev := <-childEv; ev.Type != zk.EventNodeChildrenChanged {
		t.Fatalf("child event = %+v", ev)
	}
	// The watch was one-shot: a second change sends nothing.
	other.Set("/w", []byte("z"), -1)
	if got := n.srv.watches.Count(); got != 0 {
		t.Fatalf("%d watches left after they fired", got)
	}
}

func TestMultiIsAtomic(t *testing.T) {
	n := startNode(t)
	c, _ := n.client(t, time.Second)
	acl := zk.WorldACL(zk.PermAll)
	res, err := c.Multi(
		&zk.CreateRequest{Path: "/m", Data: []byte("1"), Acl: acl},
		&zk.CreateRequest{Path: "/m/a", Acl: acl},
		&zk.SetDataRequest{Path: "/m", Data: []byte("2"), Version: 0},
	)
	if err != nil || len(res) != 3 || res[1].String != "/m/a" {
		t.Fatalf("multi = %+v, %v", res, err)
	}
	res, err = c.Multi(
		&zk.CreateRequest{Path: "/m/b", Acl: acl},
		&zk.SetDataRequest{Path: "/m", Data: []byte("3"), Version: 0}, // stale version
		&zk.DeleteRequest{Path: "/m/a", Version: -1},
	)
	if !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("failed multi err = %v", err)
	}
	if len(res) != 3 || !errors.Is(res[0].Error, zk.ErrAPIError) && res[0].Error != nil {
		t.Logf("results: %+v", res)
	}
	if ok, _, _ := c.Exists("/m/b"); ok {
		t.Fatal("failed multi left /m/b behind")
	}
	if ok, _, _ := c.Exists("/m/a"); !ok {
		t.Fatal("failed multi deleted /m/a")
	}
}

func TestContainersAndTTLAreReaped(t *testing.T) {
	n := startNode(t)
	c, _ := n.client(t, time.Second)
	acl := zk.WorldACL(zk.PermAll)
	if _, err := c.CreateContainer("/box", nil, zk.FlagContainer, acl); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/box/item", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTTL("/ttl", nil, zk.FlagTTL, acl, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("/box/item", -1); err != nil {
		t.Fatal(err)
	}
	waitGone := func(p string) {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if ok, _, _ := c.Exists(p); !ok {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("%s was not reaped", p)
	}
	waitGone("/box")
	waitGone("/ttl")
}

func TestFourLetterWords(t *testing.T) {
	n := startNode(t, func(c *Config) { c.FourLetterWords = []string{"ruok", "mntr"} })
	for word, want := range map[string]string{
		"ruok": "imok",
		"srvr": "Mode: standalone",
		"mntr": "zk_znode_count\t5",
		"stat": "stat is not executed because it is not in the whitelist.",
	} {
		got := fourLetter(t, n.addr, word)
		if !strings.Contains(got, want) {
			t.Errorf("%s = %q, want it to contain %q", word, got, want)
		}
	}
}

func fourLetter(t *testing.T, addr, word string) string {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	nc.Write([]byte(word))
	b, err := io.ReadAll(nc)
	if err != nil {
		t.Fatalf("%s: %v", word, err)
	}
	return string(b)
}
