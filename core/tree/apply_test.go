package tree

import (
	"math"
	"reflect"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

// TestApply runs every txn type against a small tree. The txn under test
// is applied at zxid 100 (time 100000); setup txns at zxids 1, 2, ...
func TestApply(t *testing.T) {
	const z, tm = 100, 100000
	digestACL := []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "digest", ID: "u:x"}}}
	tests := []struct {
		name     string
		extended bool
		pre      []op
		do       op
		want     Result
		check    func(t *testing.T, tr *Tree)
	}{
		{
			name: "create persistent",
			pre:  []op{mkCreate("/p", "")},
			do:   op{proto.OpCreate, &proto.CreateTxn{Path: "/p/a", Data: []byte("hi"), ACL: digestACL, ParentCversion: 1}},
			want: Result{Type: proto.OpCreate, Path: "/p/a"},
			check: func(t *testing.T, tr *Tree) {
				want := proto.Stat{Czxid: z, Mzxid: z, Pzxid: z, Ctime: tm, Mtime: tm, DataLength: 2}
				if st := statOf(t, tr, "/p/a"); st != want {
					t.Errorf("child %+v", st)
				}
				want = proto.Stat{Czxid: 1, Mzxid: 1, Pzxid: z, Ctime: 1000, Mtime: 1000, Cversion: 1, NumChildren: 1}
				if st := statOf(t, tr, "/p"); st != want {
					t.Errorf("parent %+v", st)
				}
				if acl, _, _ := tr.GetACL("/p/a"); !reflect.DeepEqual(acl, digestACL) {
					t.Errorf("acl %+v", acl)
				}
			},
		},
		{
			name: "create takes the txn's parent cversion",
			pre:  []op{mkCreate("/p", "")},
			do:   op{proto.OpCreate, &proto.CreateTxn{Path: "/p/a", ACL: proto.OpenACLUnsafe, ParentCversion: 7}},
			want: Result{Type: proto.OpCreate, Path: "/p/a"},
			check: func(t *testing.T, tr *Tree) {
				if info, _ := tr.Lookup("/p"); info.Stat.Cversion != 7 || info.Stat.Pzxid != z {
					t.Errorf("parent %+v", info.Stat)
				}
				if st := statOf(t, tr, "/p"); st.Cversion != 13 {
					t.Errorf("client cversion %d, want 2*7-1", st.Cversion)
				}
			},
		},
		{
			name: "create with a lower parent cversion leaves the parent alone",
			pre:  []op{mkCreate("/p", ""), mkCreate("/p/x", ""), mkCreate("/p/y", "")},
			do:   op{proto.OpCreate, &proto.CreateTxn{Path: "/p/a", ACL: proto.OpenACLUnsafe, ParentCversion: 1}},
			want: Result{Type: proto.OpCreate, Path: "/p/a"},
			check: func(t *testing.T, tr *Tree) {
				if info, _ := tr.Lookup("/p"); info.Stat.Cversion != 2 || info.Stat.Pzxid != 3 || info.NumChildren != 3 {
					t.Errorf("parent %+v", info)
				}
			},
		},
		{
			name: "create null data",
			do:   op{proto.OpCreate, &proto.CreateTxn{Path: "/n", ACL: proto.OpenACLUnsafe, ParentCversion: -1}},
			want: Result{Type: proto.OpCreate, Path: "/n"},
			check: func(t *testing.T, tr *Tree) {
				if d, st, _ := tr.GetData("/n", nil); d != nil || st.DataLength != 0 {
					t.Errorf("data %q", d)
				}
			},
		},
		{
			name: "create ephemeral",
			do:   mkEphemeral("/e"),
			want: Result{Type: proto.OpCreate, Path: "/e"},
			check: func(t *testing.T, tr *Tree) {
				if st := statOf(t, tr, "/e"); st.EphemeralOwner != sess {
					t.Errorf("owner %#x", st.EphemeralOwner)
				}
				if got := tr.Ephemerals(sess); !reflect.DeepEqual(got, []string{"/e"}) {
					t.Errorf("ephemerals %q", got)
				}
			},
		},
		{
			name: "create2 returns the stat",
			do:   op{proto.OpCreate2, &proto.CreateTxn{Path: "/c2", Data: []byte("c2"), ACL: proto.OpenACLUnsafe, ParentCversion: -1}},
			want: Result{Type: proto.OpCreate2, Path: "/c2",
				Stat: &proto.Stat{Czxid: z, Mzxid: z, Pzxid: z, Ctime: tm, Mtime: tm, DataLength: 2}},
		},
		{
			name: "createContainer: marker stored, 0 shown",
			do:   mkContainer("/c"),
			want: Result{Type: proto.OpCreateContainer, Path: "/c",
				Stat: &proto.Stat{Czxid: z, Mzxid: z, Pzxid: z, Ctime: tm, Mtime: tm}},
			check: func(t *testing.T, tr *Tree) {
				if info, _ := tr.Lookup("/c"); info.Stat.EphemeralOwner != math.MinInt64 {
					t.Errorf("stored owner %#x", info.Stat.EphemeralOwner)
				}
				if len(tr.containers) != 1 || tr.EphemeralCount() != 0 {
					t.Error("container not indexed as one")
				}
			},
		},
		{
			name:     "createTTL: marker stored, 0 shown",
			extended: true,
			do:       mkTTL("/t", 60000),
			want: Result{Type: proto.OpCreateTTL, Path: "/t",
				Stat: &proto.Stat{Czxid: z, Mzxid: z, Pzxid: z, Ctime: tm, Mtime: tm}},
			check: func(t *testing.T, tr *Tree) {
				if info, _ := tr.Lookup("/t"); uint64(info.Stat.EphemeralOwner) != 0xff0000000000ea60 {
					t.Errorf("stored owner %#x", info.Stat.EphemeralOwner)
				}
				if len(tr.ttls) != 1 || tr.EphemeralCount() != 0 {
					t.Error("TTL node not indexed as one")
				}
			},
		},
		{
			name: "createTTL without extended types is a session's ephemeral, as in ZooKeeper",
			do:   mkTTL("/t", 60000),
			want: Result{Type: proto.OpCreateTTL, Path: "/t",
				Stat: &proto.Stat{Czxid: z, Mzxid: z, Pzxid: z, Ctime: tm, Mtime: tm, EphemeralOwner: -0x0100000000000000 | 60000}},
			check: func(t *testing.T, tr *Tree) {
				if len(tr.ttls) != 0 || tr.EphemeralCount() != 1 {
					t.Error("not indexed as an ephemeral")
				}
			},
		},
		{
			name:     "createTTL with a bad ttl",
			extended: true,
			do:       mkTTL("/t", 0),
			want:     Result{Type: proto.OpCreateTTL, Path: "/t", Err: proto.ErrBadArguments},
		},
		{
			name: "create over an existing node",
			pre:  []op{mkCreate("/p", ""), mkCreate("/p/a", "old")},
			do:   op{proto.OpCreate, &proto.CreateTxn{Path: "/p/a", Data: []byte("new"), ACL: digestACL, ParentCversion: 5}},
			want: Result{Type: proto.OpCreate, Path: "/p/a", Err: proto.ErrNodeExists},
			check: func(t *testing.T, tr *Tree) {
				// DataTree: the node keeps its data but takes the txn's ACL,
				// and processTxn moves the parent's cversion/pzxid on.
				if d, _, _ := tr.GetData("/p/a", nil); string(d) != "old" {
					t.Errorf("data %q", d)
				}
				if acl, _, _ := tr.GetACL("/p/a"); !reflect.DeepEqual(acl, digestACL) {
					t.Errorf("acl %+v", acl)
				}
				if info, _ := tr.Lookup("/p"); info.Stat.Cversion != 5 || info.Stat.Pzxid != z {
					t.Errorf("parent %+v", info.Stat)
				}
			},
		},
		{
			name: "create2 over an existing node does not touch the parent",
			pre:  []op{mkCreate("/p", ""), mkCreate("/p/a", "old")},
			do:   op{proto.OpCreate2, &proto.CreateTxn{Path: "/p/a", ACL: proto.OpenACLUnsafe, ParentCversion: 5}},
			want: Result{Type: proto.OpCreate2, Path: "/p/a", Err: proto.ErrNodeExists},
			check: func(t *testing.T, tr *Tree) {
				if info, _ := tr.Lookup("/p"); info.Stat.Cversion != 1 || info.Stat.Pzxid != 2 {
					t.Errorf("parent %+v", info.Stat)
				}
			},
		},
		{
			name: "create under a missing parent",
			do:   mkCreate("/missing/child", ""),
			want: Result{Type: proto.OpCreate, Path: "/missing/child", Err: proto.ErrNoNode},
		},
		{
			name: "create of a malformed path",
			pre:  []op{mkCreate("/a", "")},
			do:   mkCreate("/a/", ""),
			want: Result{Type: proto.OpCreate, Path: "/a/", Err: proto.ErrBadArguments},
		},
		{
			name: "create of the root",
			do:   mkCreate("/", ""),
			want: Result{Type: proto.OpCreate, Path: "/", Err: proto.ErrNoNode},
		},
		{
			name: "delete",
			pre:  []op{mkCreate("/p", ""), mkCreate("/p/a", "xy"), mkCreate("/p/b", "")},
			do:   mkDelete("/p/a"),
			want: Result{Type: proto.OpDelete, Path: "/p/a"},
			check: func(t *testing.T, tr *Tree) {
				// Client cversion counts the delete: 2*2 - 1.
				want := proto.Stat{Czxid: 1, Mzxid: 1, Pzxid: z, Ctime: 1000, Mtime: 1000, Cversion: 3, NumChildren: 1}
				if st := statOf(t, tr, "/p"); st != want {
					t.Errorf("parent %+v", st)
				}
				if _, ok := tr.Lookup("/p/a"); ok {
					t.Error("still there")
				}
			},
		},
		{
			name: "delete of a missing child still moves the parent's pzxid",
			pre:  []op{mkCreate("/p", "")},
			do:   mkDelete("/p/a"),
			want: Result{Type: proto.OpDelete, Path: "/p/a", Err: proto.ErrNoNode},
			check: func(t *testing.T, tr *Tree) {
				if info, _ := tr.Lookup("/p"); info.Stat.Pzxid != z || info.Stat.Cversion != 0 {
					t.Errorf("parent %+v", info.Stat)
				}
			},
		},
		{
			name: "delete under a missing parent",
			do:   mkDelete("/x/y"),
			want: Result{Type: proto.OpDelete, Path: "/x/y", Err: proto.ErrNoNode},
		},
		{
			name: "delete of a node with children is refused",
			pre:  []op{mkCreate("/p", ""), mkCreate("/p/a", "")},
			do:   mkDelete("/p"),
			want: Result{Type: proto.OpDelete, Path: "/p", Err: proto.ErrNotEmpty},
		},
		{
			name: "delete of the root is refused",
			do:   mkDelete("/"),
			want: Result{Type: proto.OpDelete, Path: "/", Err: proto.ErrBadArguments},
		},
		{
			name:     "deleteContainer",
			extended: true,
			pre:      []op{mkContainer("/c"), mkTTL("/t", 5)},
			do:       op{proto.OpDeleteContainer, &proto.DeleteTxn{Path: "/c"}},
			want:     Result{Type: proto.OpDeleteContainer, Path: "/c"},
			check: func(t *testing.T, tr *Tree) {
				if len(tr.containers) != 0 || len(tr.ttls) != 1 {
					t.Error("container index not updated")
				}
			},
		},
		{
			name: "setData",
			pre:  []op{mkCreate("/p", "old")},
			do:   mkSetData("/p", "newer", 1),
			want: Result{Type: proto.OpSetData, Path: "/p",
				Stat: &proto.Stat{Czxid: 1, Mzxid: z, Pzxid: 1, Ctime: 1000, Mtime: tm, Version: 1, DataLength: 5}},
			check: func(t *testing.T, tr *Tree) {
				if d, _, _ := tr.GetData("/p", nil); string(d) != "newer" {
					t.Errorf("data %q", d)
				}
				if got := tr.ApproximateDataSize(); got != 44+2+5 {
					t.Errorf("size %d", got)
				}
			},
		},
		{
			name: "setData of a missing node",
			do:   mkSetData("/nope", "x", 1),
			want: Result{Type: proto.OpSetData, Path: "/nope", Err: proto.ErrNoNode},
		},
		{
			name: "reconfig is a setData of the config node",
			do:   op{proto.OpReconfig, &proto.SetDataTxn{Path: ConfigPath, Data: []byte("server.1=a:1:2;3\nversion=100000000"), Version: 1}},
			want: Result{Type: proto.OpReconfig, Path: ConfigPath,
				Stat: &proto.Stat{Mzxid: z, Mtime: tm, Version: 1, Aversion: -1, DataLength: 34}},
		},
		{
			name: "setACL",
			pre:  []op{mkCreate("/p", "")},
			do:   op{proto.OpSetACL, &proto.SetACLTxn{Path: "/p", ACL: digestACL, Version: 1}},
			want: Result{Type: proto.OpSetACL, Path: "/p",
				Stat: &proto.Stat{Czxid: 1, Mzxid: 1, Pzxid: 1, Ctime: 1000, Mtime: 1000, Aversion: 1}},
			check: func(t *testing.T, tr *Tree) {
				if acl, _, _ := tr.GetACL("/p"); !reflect.DeepEqual(acl, digestACL) {
					t.Errorf("acl %+v", acl)
				}
			},
		},
		{
			name: "setACL of a missing node",
			do:   op{proto.OpSetACL, &proto.SetACLTxn{Path: "/nope", ACL: digestACL, Version: 1}},
			want: Result{Type: proto.OpSetACL, Path: "/nope", Err: proto.ErrNoNode},
		},
		{
			name: "check is a no-op",
			pre:  []op{mkCreate("/p", "")},
			do:   op{proto.OpCheck, &proto.CheckVersionTxn{Path: "/p", Version: 0}},
			want: Result{Type: proto.OpCheck, Path: "/p"},
		},
		{
			name: "error txn",
			do:   mkError(proto.ErrBadVersion),
			want: Result{Type: proto.OpError, Err: proto.ErrBadVersion},
		},
		{
			name: "createSession changes nothing",
			do:   op{proto.OpCreateSession, &proto.CreateSessionTxn{TimeOut: 4000}},
			want: Result{Type: proto.OpCreateSession},
		},
		{
			name: "a record of the wrong type",
			do:   op{proto.OpCreate, &proto.DeleteTxn{Path: "/x"}},
			want: Result{Type: proto.OpCreate, Err: proto.ErrMarshallingError},
		},
		{
			name: "a nil record",
			do:   op{proto.OpSetData, nil},
			want: Result{Type: proto.OpSetData, Err: proto.ErrMarshallingError},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := New(Options{ExtendedTypes: tc.extended})
			applyAll(t, tr, 1, tc.pre...)
			before := dump(tr)
			got := applyAt(tr, z, tc.do)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("result %+v (stat %+v)\n  want %+v (stat %+v)", got, got.Stat, tc.want, tc.want.Stat)
			}
			if tr.LastZxid() != z {
				t.Errorf("LastZxid %d", tr.LastZxid())
			}
			if tc.check != nil {
				tc.check(t, tr)
			}
			// A txn that fails changes nothing but what DataTree changes.
			if got.Err != proto.ErrOK && tc.check == nil && dump(tr) != before {
				t.Errorf("failed txn changed the tree:\n%s\n%s", before, dump(tr))
			}
		})
	}
}

func TestLastZxidOnlyGrows(t *testing.T) {
	tr := New(Options{})
	applyAt(tr, 10, mkError(proto.ErrNoNode))
	applyAt(tr, 5, mkError(proto.ErrNoNode))
	if tr.LastZxid() != 10 {
		t.Fatalf("LastZxid %d", tr.LastZxid())
	}
	tr.SetLastZxid(3)
	if tr.LastZxid() != 3 {
		t.Fatal("SetLastZxid")
	}
}

// The tree must not alias the txn's buffers, which their owner may reuse.
func TestApplyCopiesData(t *testing.T) {
	tr := New(Options{})
	buf := []byte("abc")
	tr.Apply(hdrAt(1, proto.OpCreate), &proto.CreateTxn{Path: "/a", Data: buf, ACL: proto.OpenACLUnsafe, ParentCversion: -1})
	buf2 := []byte("xyz")
	tr.Apply(hdrAt(2, proto.OpCreate), &proto.CreateTxn{Path: "/b", Data: buf2[:0], ACL: proto.OpenACLUnsafe, ParentCversion: -1})
	copy(buf, "zzz")
	if d, _, _ := tr.GetData("/a", nil); string(d) != "abc" {
		t.Fatalf("data %q", d)
	}
	if d, _, _ := tr.GetData("/b", nil); d == nil || len(d) != 0 {
		t.Fatalf("empty data became %q (nil %v)", d, d == nil)
	}
}

func TestCloseSession(t *testing.T) {
	tests := []struct {
		name  string
		paths []string // in the CloseSessionTxn; nil lists none
		txn   bool     // false: nil record
	}{
		{"paths listed", []string{"/p/e2", "/e1"}, true},
		{"paths not listed", nil, true},
		{"some listed", []string{"/e1"}, true},
		{"listed path already gone", []string{"/e1", "/gone", "/p/e2"}, true},
		{"nil record", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, m := newTree(false)
			applyAll(t, tr, 1, mkCreate("/p", ""), mkEphemeral("/e1"), mkEphemeral("/p/e2"), mkCreate("/keep", ""))
			tr.Apply(&proto.TxnHeader{ClientID: 99, Zxid: 5, Type: proto.OpCreate},
				&proto.CreateTxn{Path: "/p/other", ACL: proto.OpenACLUnsafe, Ephemeral: true, ParentCversion: -1})
			w := &recorder{}
			m.AddData("/e1", w)
			m.AddChild("/p", w)
			m.AddPersistent("/", w, true)
			var rec proto.Record
			if tc.txn {
				rec = &proto.CloseSessionTxn{Paths: tc.paths}
			}
			r := tr.Apply(&proto.TxnHeader{ClientID: sess, Zxid: 10, Type: proto.OpCloseSession}, rec)
			if r.Err != proto.ErrOK {
				t.Fatalf("err %v", r.Err)
			}
			for _, p := range []string{"/e1", "/p/e2"} {
				if _, ok := tr.Lookup(p); ok {
					t.Errorf("%s survived", p)
				}
			}
			if len(tr.Ephemerals(sess)) != 0 || !reflect.DeepEqual(tr.Ephemerals(99), []string{"/p/other"}) {
				t.Errorf("ephemerals %v", tr.AllEphemerals())
			}
			want := []string{"children /p", "deleted /e1", "deleted /p/e2"}
			if got := w.take(); !reflect.DeepEqual(got, want) {
				t.Errorf("events %q, want %q", got, want)
			}
			if info, _ := tr.Lookup("/p"); info.Stat.Pzxid != 10 {
				t.Errorf("parent pzxid %d", info.Stat.Pzxid)
			}
		})
	}
}

func TestMulti(t *testing.T) {
	tr, m := newTree(false)
	applyAll(t, tr, 1, mkCreate("/m", ""), mkCreate("/m/del", ""))
	w := &recorder{}
	m.AddPersistent("/m", w, true)
	r := applyAt(tr, 10, mkMulti(
		mkCreate("/m/a", "1"),
		op{proto.OpCreate2, &proto.CreateTxn{Path: "/m/b", Data: []byte("2"), ACL: proto.OpenACLUnsafe, ParentCversion: -1}},
		mkSetData("/m/a", "11", 1),
		op{proto.OpCheck, &proto.CheckVersionTxn{Path: "/m/a", Version: 1}},
		mkDelete("/m/del"),
	))
	want := Result{Type: proto.OpMulti, Multi: []Result{
		{Type: proto.OpCreate, Path: "/m/a"},
		{Type: proto.OpCreate2, Path: "/m/b", Stat: &proto.Stat{Czxid: 10, Mzxid: 10, Pzxid: 10, Ctime: 10000, Mtime: 10000, DataLength: 1}},
		{Type: proto.OpSetData, Path: "/m/a", Stat: &proto.Stat{Czxid: 10, Mzxid: 10, Pzxid: 10, Ctime: 10000, Mtime: 10000, Version: 1, DataLength: 2}},
		{Type: proto.OpCheck, Path: "/m/a"},
		{Type: proto.OpDelete, Path: "/m/del"},
	}}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("multi result %+v", r)
	}
	if got := childrenOf(t, tr, "/m"); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("children %q", got)
	}
	wantEv := []string{"created /m/a", "created /m/b", "data /m/a", "deleted /m/del"}
	if got := w.unsorted(); !reflect.DeepEqual(got, wantEv) {
		t.Errorf("events %q", got)
	}
	if tr.LastZxid() != 10 {
		t.Errorf("LastZxid %d", tr.LastZxid())
	}
}

// A multi that failed in the preprocessor arrives as ErrorTxns (java-multi
// seq 7: 0 before the failing op, its code, -2 after). Nothing changes.
func TestFailedMulti(t *testing.T) {
	for _, name := range []string{"as prep writes it", "with real ops mixed in"} {
		t.Run(name, func(t *testing.T) {
			tr, m := newTree(false)
			applyAll(t, tr, 1, mkCreate("/m", ""))
			w := &recorder{}
			m.AddPersistent("/", w, true)
			ops := []op{mkError(proto.ErrOK), mkError(proto.ErrBadVersion), mkError(proto.ErrRuntimeInconsistency)}
			if name != "as prep writes it" {
				ops = []op{mkCreate("/m/a", ""), mkError(proto.ErrBadVersion), mkDelete("/m")}
			}
			before := dump(tr)
			r := applyAt(tr, 10, mkMulti(ops...))
			want := Result{Type: proto.OpMulti, Err: proto.ErrBadVersion, Multi: []Result{
				{Type: proto.OpError}, {Type: proto.OpError, Err: proto.ErrBadVersion},
				{Type: proto.OpError, Err: proto.ErrRuntimeInconsistency},
			}}
			if !reflect.DeepEqual(r, want) {
				t.Errorf("result %+v", r)
			}
			if dump(tr) != before {
				t.Errorf("failed multi changed the tree")
			}
			if got := w.take(); len(got) != 0 {
				t.Errorf("events %q", got)
			}
			if tr.LastZxid() != 10 {
				t.Errorf("LastZxid %d", tr.LastZxid())
			}
		})
	}
}

func TestMultiBadSubTxn(t *testing.T) {
	tr := New(Options{})
	tests := []proto.MultiTxn{
		{Txns: []proto.Txn{{Type: proto.OpCreate, Data: []byte{0, 0}}}},
		{Txns: []proto.Txn{{Type: proto.OpSetACL, Data: proto.Marshal(&proto.SetACLTxn{Path: "/"})}}},
		{Txns: []proto.Txn{{Type: proto.OpMulti, Data: nil}}},
	}
	for i := range tests {
		if r := applyAt(tr, int64(i+1), op{proto.OpMulti, &tests[i]}); r.Err != proto.ErrMarshallingError {
			t.Errorf("%d: err %v", i, r.Err)
		}
	}
}
