package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/warrenzk/warren/core/proto"
)

func TestCRUD(t *testing.T) {
	c := dial(t, startNode(t), Options{})
	ctx := context.Background()

	if p, err := c.Create(ctx, "/a", []byte("one"), proto.ModePersistent, nil); err != nil || p != "/a" {
		t.Fatalf("create /a = %q, %v", p, err)
	}
	if _, err := c.Create(ctx, "/a", nil, proto.ModePersistent, nil); !errors.Is(err, proto.ErrNodeExists) {
		t.Fatalf("second create: %v, want NodeExists", err)
	}
	p, err := c.Create(ctx, "/a/s-", nil, proto.ModePersistentSequential, nil)
	if err != nil || p != "/a/s-0000000000" {
		t.Fatalf("sequential create = %q, %v", p, err)
	}
	data, st, err := c.Get(ctx, "/a")
	if err != nil || string(data) != "one" || st.Version != 0 || st.NumChildren != 1 {
		t.Fatalf("get /a = %q %+v %v", data, st, err)
	}
	if st, err = c.Set(ctx, "/a", []byte("two"), 0); err != nil || st.Version != 1 {
		t.Fatalf("set = %+v %v", st, err)
	}
	if _, err := c.Set(ctx, "/a", nil, 0); !errors.Is(err, proto.ErrBadVersion) {
		t.Fatalf("set with stale version: %v, want BadVersion", err)
	}
	if ok, st, err := c.Exists(ctx, "/a"); !ok || err != nil || st.DataLength != 3 {
		t.Fatalf("exists /a = %v %+v %v", ok, st, err)
	}
	if ok, _, err := c.Exists(ctx, "/nope"); ok || err != nil {
		t.Fatalf("exists /nope = %v %v", ok, err)
	}
	if kids, err := c.Children(ctx, "/a"); err != nil || !slices.Equal(kids, []string{"s-0000000000"}) {
		t.Fatalf("children = %v %v", kids, err)
	}
	if err := c.Delete(ctx, "/a", -1); !errors.Is(err, proto.ErrNotEmpty) {
		t.Fatalf("delete non-empty: %v", err)
	}
	if _, _, err := c.Get(ctx, "/nope"); !errors.Is(err, proto.ErrNoNode) {
		t.Fatalf("get /nope: %v", err)
	}

	res, err := c.Multi(ctx,
		proto.MultiOp{Type: proto.OpDelete, Record: &proto.DeleteRequest{Path: "/a/s-0000000000", Version: -1}},
		proto.MultiOp{Type: proto.OpDelete, Record: &proto.DeleteRequest{Path: "/a", Version: -1}})
	if err != nil || FirstError(res) != nil || len(res) != 2 {
		t.Fatalf("multi = %+v %v", res, err)
	}
	res, err = c.Multi(ctx,
		proto.MultiOp{Type: proto.OpCreate, Record: &proto.CreateRequest{Path: "/b", ACL: proto.OpenACLUnsafe}},
		proto.MultiOp{Type: proto.OpDelete, Record: &proto.DeleteRequest{Path: "/gone", Version: -1}})
	if err != nil || !errors.Is(FirstError(res), proto.ErrNoNode) {
		t.Fatalf("failing multi = %+v %v, want NoNode result", res, err)
	}
	if ok, _, _ := c.Exists(ctx, "/b"); ok {
		t.Fatal("a failed multi left /b behind")
	}
}

// Pipelined calls complete in the order they were sent, each with its own
// reply, and Do's reads see the writes sent before them.
func TestPipelineOrder(t *testing.T) {
	c := dial(t, startNode(t), Options{MaxInFlight: 64})
	const n = 2000
	var (
		mu    sync.Mutex
		order []int
		wg    sync.WaitGroup
	)
	resps := make([]proto.CreateResponse, n)
	wg.Add(n)
	for i := range n {
		req := &proto.CreateRequest{Path: "/n-", Data: []byte{byte(i)}, ACL: proto.OpenACLUnsafe, Flags: proto.ModePersistentSequential}
		c.Go(proto.OpCreate, req, &resps[i], func(h proto.ReplyHeader, err error) {
			if err != nil {
				t.Errorf("create %d: %v", i, err)
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			wg.Done()
		})
	}
	wg.Wait()
	for i, got := range order {
		if got != i {
			t.Fatalf("callback %d was for request %d", i, got)
		}
	}
	for i := range resps {
		want := "/n-" + zeroPad(i)
		if resps[i].Path != want {
			t.Fatalf("reply %d: %q, want %q", i, resps[i].Path, want)
		}
	}
	last := n - 1
	data, _, err := c.Get(context.Background(), "/n-"+zeroPad(last))
	if err != nil || !bytes.Equal(data, []byte{byte(last)}) {
		t.Fatalf("get last = %v %v", data, err)
	}
}

func zeroPad(i int) string { return fmt.Sprintf("%010d", i) }

// A watch set by this client fires on a change made by go-zookeeper, and a
// znode this client writes reads back the same through go-zookeeper.
func TestWatchAndGoZookeeper(t *testing.T) {
	addr := startNode(t)
	events := make(chan proto.WatcherEvent, 4)
	c := dial(t, addr, Options{OnEvent: func(ev proto.WatcherEvent) { events <- ev }})
	ctx := context.Background()
	if _, err := c.Create(ctx, "/w", []byte("x"), proto.ModePersistent, nil); err != nil {
		t.Fatal(err)
	}
	var resp proto.GetDataResponse
	if _, err := c.Do(ctx, proto.OpGetData, &proto.GetDataRequest{Path: "/w", Watch: true}, &resp); err != nil {
		t.Fatal(err)
	}

	zc, _, err := zk.Connect([]string{addr}, 5*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer zc.Close()
	data, zst, err := zc.Get("/w")
	if err != nil || string(data) != "x" || zst.Czxid != resp.Stat.Czxid || zst.Mzxid != resp.Stat.Mzxid {
		t.Fatalf("go-zookeeper reads %q %+v %v; ours %+v", data, zst, err, resp.Stat)
	}
	if _, err := zc.Set("/w", []byte("y"), -1); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-events:
		want := proto.WatcherEvent{Type: proto.EventNodeDataChanged, State: proto.StateSyncConnected, Path: "/w"}
		if ev != want {
			t.Fatalf("event %+v, want %+v", ev, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no watch event")
	}
}

// An ephemeral outlives a dropped connection while the session is resumed,
// and goes when the session is closed.
func TestResumeSession(t *testing.T) {
	addr := startNode(t)
	ctx := context.Background()
	c1 := dial(t, addr, Options{SessionTimeout: 4 * time.Second})
	if _, err := c1.Create(ctx, "/e", nil, proto.ModeEphemeral, nil); err != nil {
		t.Fatal(err)
	}
	c2 := dial(t, addr, Options{SessionID: c1.SessionID(), Password: c1.Password()})
	if c2.SessionID() != c1.SessionID() {
		t.Fatalf("resumed session %x, want %x", c2.SessionID(), c1.SessionID())
	}
	// The server moved the session to c2 and closed c1's connection.
	select {
	case <-c1.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("first connection still open")
	}
	if _, _, err := c1.Get(ctx, "/e"); !errors.Is(err, proto.ErrConnectionLoss) {
		t.Fatalf("call on a dead Conn: %v, want ConnectionLoss", err)
	}
	if ok, st, err := c2.Exists(ctx, "/e"); !ok || err != nil || st.EphemeralOwner != c1.SessionID() {
		t.Fatalf("exists /e = %v %+v %v", ok, st, err)
	}
	c2.Close()
	c3 := dial(t, addr, Options{})
	if ok, _, err := c3.Exists(ctx, "/e"); ok || err != nil {
		t.Fatalf("ephemeral survived closeSession: %v %v", ok, err)
	}
	if _, err := Dial(ctx, addr, Options{SessionID: c1.SessionID(), Password: c1.Password()}); !errors.Is(err, proto.ErrSessionExpired) {
		t.Fatalf("resuming a closed session: %v, want SessionExpired", err)
	}
}

func TestContextAndClose(t *testing.T) {
	c := dial(t, startNode(t), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := c.Get(ctx, "/"); !errors.Is(err, context.Canceled) {
		t.Fatalf("get with a canceled context: %v", err)
	}
	// The Conn still works after an abandoned call.
	if _, _, err := c.Get(context.Background(), "/"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, _, err := c.Get(context.Background(), "/"); !errors.Is(err, ErrClosed) {
		t.Fatalf("get after Close: %v, want ErrClosed", err)
	}
	c.Close() // a second Close does nothing
}

// Pings keep an idle session alive past its timeout.
func TestPingKeepsSession(t *testing.T) {
	c := dial(t, startNode(t), Options{SessionTimeout: 300 * time.Millisecond})
	time.Sleep(3 * c.SessionTimeout())
	if _, _, err := c.Get(context.Background(), "/"); err != nil {
		t.Fatalf("after idling: %v", err)
	}
}
