package client

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/warrenzk/warren/core/proto"
)

// The ops a shell needs, with the watches they leave and the auth packet
// answered outside the xid order.
func TestShellOps(t *testing.T) {
	events := make(chan proto.WatcherEvent, 16)
	c := dial(t, startNode(t), Options{OnEvent: func(ev proto.WatcherEvent) { events <- ev }})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	next := func() proto.WatcherEvent {
		t.Helper()
		select {
		case ev := <-events:
			return ev
		case <-ctx.Done():
			t.Fatal("no watch event")
			return proto.WatcherEvent{}
		}
	}

	if p, err := c.CreateMode(ctx, "/c", nil, proto.ModeContainer, proto.OpenACLUnsafe, 0); err != nil || p != "/c" {
		t.Fatalf("create container = %q, %v", p, err)
	}
	if p, err := c.CreateMode(ctx, "/t-", []byte("x"), proto.ModePersistentSequentialWithTTL, proto.OpenACLUnsafe, 60000); err != nil || p != "/t-0000000001" {
		t.Fatalf("create TTL = %q, %v", p, err)
	}
	if _, err := c.CreateMode(ctx, "/c/e", nil, proto.ModeEphemeral, proto.OpenACLUnsafe, 0); err != nil {
		t.Fatal(err)
	}
	if eph, err := c.Ephemerals(ctx, "/"); err != nil || !slices.Equal(eph, []string{"/c/e"}) {
		t.Fatalf("ephemerals = %v, %v", eph, err)
	}
	if n, err := c.AllChildrenNumber(ctx, "/c"); err != nil || n != 1 {
		t.Fatalf("all children number = %d, %v", n, err)
	}
	kids, st, err := c.Children2(ctx, "/c", true)
	if err != nil || !slices.Equal(kids, []string{"e"}) || st.NumChildren != 1 {
		t.Fatalf("children2 = %v %+v %v", kids, st, err)
	}
	if _, err := c.Stat(ctx, "/nope", true); !errors.Is(err, proto.ErrNoNode) {
		t.Fatalf("stat /nope: %v", err)
	}
	if _, _, err := c.GetData(ctx, "/c/e", true); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "/c/e", -1); err != nil {
		t.Fatal(err)
	}
	got := []proto.WatcherEvent{next(), next()}
	slices.SortFunc(got, func(a, b proto.WatcherEvent) int { return int(a.Type - b.Type) })
	want := []proto.WatcherEvent{
		{Type: proto.EventNodeDeleted, State: proto.StateSyncConnected, Path: "/c/e"},
		{Type: proto.EventNodeChildrenChanged, State: proto.StateSyncConnected, Path: "/c"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events = %+v, want %+v", got, want)
	}
	if err := c.AddWatch(ctx, "/nope", proto.AddWatchPersistent); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, "/nope", nil, proto.ModePersistent, nil); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.Type != proto.EventNodeCreated || ev.Path != "/nope" {
		t.Fatalf("persistent watch event = %+v", ev)
	}
	if err := c.RemoveWatches(ctx, "/nope", proto.WatcherAny); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveWatches(ctx, "/nope", proto.WatcherAny); !errors.Is(err, proto.ErrNoWatcher) {
		t.Fatalf("second removeWatches: %v, want NoWatcher", err)
	}

	// Auth, pipelined behind other requests: its reply (xid -4) must not
	// be taken for theirs.
	done := make(chan error, 1)
	c.Go(proto.OpSync, &proto.SyncRequest{Path: "/"}, &proto.SyncResponse{}, func(_ proto.ReplyHeader, err error) { done <- err })
	if err := c.AddAuth(ctx, "digest", []byte("u:p")); err != nil {
		t.Fatalf("addauth: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	who, err := c.WhoAmI(ctx)
	if err != nil || !slices.Contains(who, proto.ClientInfo{AuthScheme: "digest", User: "u"}) {
		t.Fatalf("whoAmI = %+v, %v", who, err)
	}
	acl := []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "auth", ID: ""}}}
	if _, err := c.SetACL(ctx, "/nope", acl, -1); err != nil {
		t.Fatal(err)
	}
	got2, st, err := c.GetACL(ctx, "/nope")
	if err != nil || len(got2) != 1 || got2[0].ID.Scheme != "digest" || st.Aversion != 1 {
		t.Fatalf("getACL = %+v %+v %v", got2, st, err)
	}
	if err := c.Sync(ctx, "/nope"); err != nil {
		t.Fatal(err)
	}

	// A rejected auth is answered, then the connection closed.
	if err := c.AddAuth(ctx, "nosuchscheme", []byte("x")); !errors.Is(err, proto.ErrAuthFailed) {
		t.Fatalf("addauth with an unknown scheme: %v, want AuthFailed", err)
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("the connection stayed open after AuthFailed")
	}
}

// A session resumed on a new connection gets its watches back with
// setWatches: one whose znode changed meanwhile fires at once.
func TestSetWatchesOnResume(t *testing.T) {
	addr := startNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := dial(t, addr, Options{})
	if _, err := c.Create(ctx, "/w", nil, proto.ModePersistent, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.GetData(ctx, "/w", true); err != nil {
		t.Fatal(err)
	}
	last := c.LastZxid()
	if last <= 0 {
		t.Fatalf("LastZxid = %d after a create", last)
	}
	c.nc.Close() // the connection drops; the session lives on
	<-c.Done()

	other := dial(t, addr, Options{})
	if _, err := other.Set(ctx, "/w", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	events := make(chan proto.WatcherEvent, 4)
	resumed := dial(t, addr, Options{SessionID: c.SessionID(), Password: c.Password(), LastZxidSeen: last,
		OnEvent: func(ev proto.WatcherEvent) { events <- ev }})
	if err := resumed.SetWatches(ctx, &proto.SetWatches2{RelativeZxid: last, DataWatches: []string{"/w"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-events:
		if ev.Type != proto.EventNodeDataChanged || ev.Path != "/w" {
			t.Fatalf("event = %+v, want NodeDataChanged /w", ev)
		}
	case <-ctx.Done():
		t.Fatal("the watch set again did not fire for the change made meanwhile")
	}
}
