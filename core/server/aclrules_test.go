package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/warrenzk/warren/auth"
	"github.com/warrenzk/warren/storage/memory"
)

// TestPermissionRules checks, for every operation, which permission it needs
// and on which znode, as ZooKeeper's PrepRequestProcessor and
// FinalRequestProcessor decide: each operation runs against a parent P and a
// znode P/n whose ACLs grant an anonymous session every combination of one
// permission (or none) each, and must pass exactly when the znode that
// decides grants a permission it needs. The differential scenario
// acl-perms-matrix (cmd/warren) checks the same against ZooKeeper itself.
func TestPermissionRules(t *testing.T) {
	const (
		onNode   = "node"
		onParent = "parent"
		onNone   = "none"
	)
	rules := []struct {
		op   string
		on   string
		need int32 // any of these bits
		run  func(c *zk.Conn, parent, node string) error
	}{
		{"getData", onNode, zk.PermRead, func(c *zk.Conn, _, n string) error { _, _, err := c.Get(n); return err }},
		{"exists", onNode, zk.PermRead, func(c *zk.Conn, _, n string) error { _, _, err := c.Exists(n); return err }},
		{"getChildren", onNode, zk.PermRead, func(c *zk.Conn, _, n string) error { _, _, err := c.Children(n); return err }},
		{"getACL", onNode, zk.PermRead | zk.PermAdmin, func(c *zk.Conn, _, n string) error { _, _, err := c.GetACL(n); return err }},
		{"setData", onNode, zk.PermWrite, func(c *zk.Conn, _, n string) error { _, err := c.Set(n, []byte("x"), -1); return err }},
		{"setACL", onNode, zk.PermAdmin, func(c *zk.Conn, _, n string) error {
			_, err := c.SetACL(n, zk.WorldACL(zk.PermAll), -1)
			return err
		}},
		{"check", onNode, zk.PermRead, func(c *zk.Conn, _, n string) error {
			_, err := c.Multi(&zk.CheckVersionRequest{Path: n, Version: -1})
			return err
		}},
		{"multi setData", onNode, zk.PermWrite, func(c *zk.Conn, _, n string) error {
			_, err := c.Multi(&zk.SetDataRequest{Path: n, Data: []byte("m"), Version: -1})
			return err
		}},
		{"create", onParent, zk.PermCreate, func(c *zk.Conn, p, _ string) error {
			_, err := c.Create(p+"/new", nil, 0, zk.WorldACL(zk.PermAll))
			return err
		}},
		{"create ephemeral sequential", onParent, zk.PermCreate, func(c *zk.Conn, p, _ string) error {
			_, err := c.Create(p+"/e-", nil, zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))
			return err
		}},
		{"createContainer", onParent, zk.PermCreate, func(c *zk.Conn, p, _ string) error {
			_, err := c.CreateContainer(p+"/c", nil, zk.FlagContainer, zk.WorldACL(zk.PermAll))
			return err
		}},
		{"createTTL", onParent, zk.PermCreate, func(c *zk.Conn, p, _ string) error {
			_, err := c.CreateTTL(p+"/t", nil, zk.FlagTTL, zk.WorldACL(zk.PermAll), time.Minute)
			return err
		}},
		{"multi create", onParent, zk.PermCreate, func(c *zk.Conn, p, _ string) error {
			_, err := c.Multi(&zk.CreateRequest{Path: p + "/m", Acl: zk.WorldACL(zk.PermAll)})
			return err
		}},
		{"delete", onParent, zk.PermDelete, func(c *zk.Conn, _, n string) error { return c.Delete(n, -1) }},
		{"multi delete", onParent, zk.PermDelete, func(c *zk.Conn, _, n string) error {
			_, err := c.Multi(&zk.DeleteRequest{Path: n, Version: -1})
			return err
		}},
		{"sync", onNone, 0, func(c *zk.Conn, _, n string) error { _, err := c.Sync(n); return err }},
	}
	grants := []struct {
		name string
		perm int32
	}{{"none", 0}, {"r", zk.PermRead}, {"w", zk.PermWrite}, {"c", zk.PermCreate}, {"d", zk.PermDelete}, {"a", zk.PermAdmin}}

	n := startNode(t)
	owner, _ := n.client(t, 10*time.Second)
	if err := owner.AddAuth("digest", []byte("owner:pw")); err != nil {
		t.Fatal(err)
	}
	anon, _ := n.client(t, 10*time.Second)
	ownerACL := zk.DigestACL(zk.PermAll, "owner", "pw")
	aclOf := func(perm int32) []zk.ACL {
		if perm == 0 {
			return ownerACL
		}
		return append(zk.WorldACL(perm), ownerACL...)
	}
	for i, r := range rules {
		for _, pg := range grants {
			for _, ng := range grants {
				parent := fmt.Sprintf("/r%d-%s-%s", i, pg.name, ng.name)
				node := parent + "/n"
				if _, err := owner.Create(parent, nil, 0, aclOf(pg.perm)); err != nil {
					t.Fatal(err)
				}
				if _, err := owner.Create(node, []byte("d"), 0, aclOf(ng.perm)); err != nil {
					t.Fatal(err)
				}
				var granted int32
				switch r.on {
				case onNode:
					granted = ng.perm
				case onParent:
					granted = pg.perm
				}
				allowed := r.on == onNone || granted&r.need != 0
				err := r.run(anon, parent, node)
				switch {
				case allowed && err != nil:
					t.Errorf("%s with parent %s, node %s: %v, want allowed", r.op, pg.name, ng.name, err)
				case !allowed && !errors.Is(err, zk.ErrNoAuth):
					t.Errorf("%s with parent %s, node %s: %v, want NoAuth", r.op, pg.name, ng.name, err)
				}
			}
		}
	}
}

// TestIPv6ACL: a client connected over IPv6 holds ip:<its address> in
// Java's form and matches IPv6 entries and prefixes, never IPv4 ones.
func TestIPv6ACL(t *testing.T) {
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	srv, err := New(Config{
		TickTime: 50 * time.Millisecond, ExtendedTypes: true, ContainerCheckInterval: time.Second,
		MaxClientCnxns: 60, Logger: slog.New(slog.DiscardHandler),
	}, memory.NewBackend(), &auth.Checker{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	})
	n := &testNode{srv: srv, addr: l.Addr().String()}
	c, _ := n.client(t, 10*time.Second)
	for _, tc := range []struct {
		id      string
		allowed bool
	}{
		{"::1", true}, {"0:0:0:0:0:0:0:1", true}, {"::1/128", true}, {"::/0", true}, {"::/127", true},
		{"::2", false}, {"::2/127", false}, {"::3/126", true}, {"fe80::/10", false}, {"2001:db8::/32", false},
		{"127.0.0.1", false}, {"0.0.0.0/0", false},
	} {
		path := "/v6-" + strings.NewReplacer(":", "_", "/", "-", ".", "_").Replace(tc.id)
		if _, err := c.Create(path, []byte("x"), 0, []zk.ACL{{Perms: zk.PermRead, Scheme: "ip", ID: tc.id}}); err != nil {
			t.Fatalf("create with ip:%s: %v", tc.id, err)
		}
		_, _, err := c.Get(path)
		if allowed := err == nil; allowed != tc.allowed || err != nil && !errors.Is(err, zk.ErrNoAuth) {
			t.Errorf("get under ip:%s from ::1: %v, want allowed=%v", tc.id, err, tc.allowed)
		}
	}
}
