package tree

import (
	"errors"
	"reflect"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

// A fresh tree is what a fresh ZooKeeper DataTree holds. zkCli shows
// cversion -1 for "/" and -2 for /zookeeper (children were added without a
// create txn); /zookeeper/config is world-readable only, with aversion -1.
func TestNewSystemNodes(t *testing.T) {
	tr := New(Options{})
	tests := []struct {
		path     string
		cversion int32
		aversion int32
		children []string
		acl      []proto.ACL
	}{
		{"/", -1, 0, []string{"zookeeper"}, proto.OpenACLUnsafe},
		{"/zookeeper", -2, 0, []string{"config", "quota"}, proto.OpenACLUnsafe},
		{"/zookeeper/quota", 0, 0, []string{}, proto.OpenACLUnsafe},
		{"/zookeeper/config", 0, -1, []string{}, proto.ReadACLUnsafe},
	}
	for _, tc := range tests {
		data, st, err := tr.GetData(tc.path, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if data == nil || len(data) != 0 {
			t.Errorf("%s: data %q, want empty non-null", tc.path, data)
		}
		want := proto.Stat{Cversion: tc.cversion, Aversion: tc.aversion, NumChildren: int32(len(tc.children))}
		if st != want {
			t.Errorf("%s: stat %+v, want %+v", tc.path, st, want)
		}
		if got := childrenOf(t, tr, tc.path); !reflect.DeepEqual(got, tc.children) {
			t.Errorf("%s: children %q", tc.path, got)
		}
		acl, _, _ := tr.GetACL(tc.path)
		if !reflect.DeepEqual(acl, tc.acl) {
			t.Errorf("%s: acl %+v", tc.path, acl)
		}
	}
	// The capture's exists /zookeeper/quota (zkcli-basic seq 53) is all zeros.
	if st := statOf(t, tr, "/zookeeper/quota"); st != (proto.Stat{}) {
		t.Errorf("quota stat %+v", st)
	}
	if got := tr.NodeCount(); got != 5 {
		t.Errorf("NodeCount = %d, want 5 (ZooKeeper counts the root twice)", got)
	}
	if got := tr.ApproximateDataSize(); got != 44 {
		t.Errorf("ApproximateDataSize = %d, want 44", got)
	}
	if n, _ := tr.AllChildrenNumber("/"); n != 3 {
		t.Errorf("AllChildrenNumber(/) = %d, want 3", n)
	}
	if tr.LastZxid() != 0 || tr.EphemeralCount() != 0 {
		t.Error("fresh tree has zxid or ephemerals")
	}
}

func TestReadsOfMissingNodes(t *testing.T) {
	tr, m := newTree(false)
	w := &recorder{}
	if _, _, err := tr.GetData("/nope", w); !errors.Is(err, proto.ErrNoNode) {
		t.Errorf("GetData: %v", err)
	}
	if _, _, err := tr.GetChildren("/nope", w); !errors.Is(err, proto.ErrNoNode) {
		t.Errorf("GetChildren: %v", err)
	}
	if _, _, err := tr.GetACL("/nope"); !errors.Is(err, proto.ErrNoNode) {
		t.Errorf("GetACL: %v", err)
	}
	if _, err := tr.AllChildrenNumber("/nope"); !errors.Is(err, proto.ErrNoNode) {
		t.Errorf("AllChildrenNumber: %v", err)
	}
	if _, ok := tr.Lookup("/nope"); ok {
		t.Error("Lookup found /nope")
	}
	if m.Count() != 0 {
		t.Errorf("getData/getChildren on a missing node set a watch (%d)", m.Count())
	}
	// exists sets a watch either way.
	if _, err := tr.Exists("/nope", w); !errors.Is(err, proto.ErrNoNode) {
		t.Errorf("Exists: %v", err)
	}
	if !m.Contains("/nope", w, proto.WatcherData) {
		t.Error("exists on a missing node set no watch")
	}
}

// ZooKeeper maps the root under "" too: exists with an empty path answers
// like "/" (raw-badinput).
func TestEmptyPathIsRoot(t *testing.T) {
	tr := New(Options{})
	st, err := tr.Exists("", nil)
	if err != nil || st != statOf(t, tr, "/") {
		t.Fatalf("Exists(\"\") = %+v, %v", st, err)
	}
	if n, _ := tr.AllChildrenNumber(""); n != 3 {
		t.Errorf("AllChildrenNumber(\"\") = %d", n)
	}
}

func TestAllChildrenNumberAndEphemerals(t *testing.T) {
	tr := New(Options{})
	applyAll(t, tr, 1,
		mkCreate("/a", ""), mkCreate("/a/b", ""), mkCreate("/a/b/c", ""),
		mkEphemeral("/a/e1"), mkEphemeral("/e0"), mkCreate("/ab", ""))
	other := op{proto.OpCreate, &proto.CreateTxn{Path: "/a/o", ACL: proto.OpenACLUnsafe, Ephemeral: true, ParentCversion: -1}}
	tr.Apply(&proto.TxnHeader{ClientID: 77, Zxid: 10, Type: proto.OpCreate}, other.txn)
	for path, want := range map[string]int32{"/": 10, "/a": 4, "/a/b": 1, "/a/b/c": 0, "/ab": 0, "/zookeeper": 2} {
		if got, err := tr.AllChildrenNumber(path); err != nil || got != want {
			t.Errorf("AllChildrenNumber(%s) = %d, %v; want %d", path, got, err, want)
		}
	}
	if got := tr.Ephemerals(sess); !reflect.DeepEqual(got, []string{"/a/e1", "/e0"}) {
		t.Errorf("Ephemerals = %q", got)
	}
	if got := tr.Ephemerals(12345); len(got) != 0 {
		t.Errorf("Ephemerals(unknown) = %q", got)
	}
	want := map[int64][]string{sess: {"/a/e1", "/e0"}, 77: {"/a/o"}}
	if got := tr.AllEphemerals(); !reflect.DeepEqual(got, want) {
		t.Errorf("AllEphemerals = %v", got)
	}
	if tr.EphemeralCount() != 3 || tr.NodeCount() != 5+7 {
		t.Errorf("counts %d %d", tr.EphemeralCount(), tr.NodeCount())
	}
}

func TestLookup(t *testing.T) {
	tr := New(Options{ExtendedTypes: true})
	applyAll(t, tr, 1, mkContainer("/c"), mkCreate("/c/x", "xyz"))
	info, ok := tr.Lookup("/c")
	if !ok {
		t.Fatal("Lookup /c")
	}
	want := NodeInfo{
		Stat:        proto.StatPersisted{Czxid: 1, Mzxid: 1, Pzxid: 2, Ctime: 1000, Mtime: 1000, Cversion: 1, EphemeralOwner: ContainerOwner},
		NumChildren: 1, ACL: proto.OpenACLUnsafe, DataLength: 0,
	}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("Lookup = %+v\nwant %+v", info, want)
	}
	if info, _ := tr.Lookup("/c/x"); info.DataLength != 3 {
		t.Errorf("DataLength %d", info.DataLength)
	}
}

func TestGetACLReturnsCopy(t *testing.T) {
	tr := New(Options{})
	acl, _, _ := tr.GetACL("/zookeeper/config")
	acl[0].Perms = proto.PermAll
	again, _, _ := tr.GetACL("/zookeeper/config")
	if again[0].Perms != proto.PermRead || proto.ReadACLUnsafe[0].Perms != proto.PermRead {
		t.Fatal("GetACL exposed the cached list")
	}
}
