package tree

import (
	"bytes"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/warrenzk/warren/core/internal/wiretest"
	"github.com/warrenzk/warren/core/proto"
)

// snapshotCapture returns the serialized tree of ens-07's SNAP stream (the
// bytes after the session list and before the "BenWasHere" signature).
func snapshotCapture(t testing.TB) []byte {
	t.Helper()
	for _, l := range wiretest.Read(t, "ensemble/ens-07-far-behind-snap.jsonl") {
		if l.Kind != "snapshot" {
			continue
		}
		b := l.Bytes
		d := proto.NewDecoder(b)
		n := d.Int()
		for i := int32(0); i < n; i++ {
			d.Long()
			d.Int()
		}
		if d.Err() != nil || n != 0 {
			t.Fatalf("sessions: %d %v", n, d.Err())
		}
		start := d.Offset()
		sig := []byte("\x00\x00\x00\x0aBenWasHere")
		if !bytes.HasSuffix(b, sig) {
			t.Fatal("no signature")
		}
		return b[start : len(b)-len(sig)]
	}
	t.Fatal("no snapshot line")
	return nil
}

// canonical reorders a serialized tree as Serialize orders it (ACL entries by
// id, children by name) without re-encoding any entry, so that ZooKeeper's
// hash-ordered bytes can be compared with ours.
func canonical(t *testing.T, b []byte) []byte {
	d := proto.NewDecoder(b)
	n := d.Int()
	acls := map[int64][]byte{}
	for i := int32(0); i < n; i++ {
		off := d.Offset()
		id := d.Long()
		proto.DecodeACLs(d)
		acls[id] = b[off:d.Offset()]
	}
	recs := map[string][]byte{}
	kids := map[string][]string{}
	for {
		off := d.Offset()
		path := d.String()
		if d.Err() != nil {
			t.Fatal(d.Err())
		}
		if path == "/" {
			break
		}
		d.Buffer()
		d.Long()
		var st proto.StatPersisted
		st.Decode(d)
		recs[path] = b[off:d.Offset()]
		if path != "" {
			i := strings.LastIndexByte(path, '/')
			kids[path[:i]] = append(kids[path[:i]], path)
		}
	}
	if d.Remaining() != 0 {
		t.Fatalf("%d bytes after the tree", d.Remaining())
	}
	e := proto.NewEncoder(nil)
	e.Int(n)
	ids := make([]int64, 0, len(acls))
	for id := range acls {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		e.Raw(acls[id])
	}
	var walk func(string)
	walk = func(p string) {
		e.Raw(recs[p])
		c := kids[p]
		sort.Strings(c)
		for _, k := range c {
			walk(k)
		}
	}
	walk("")
	e.String("/")
	return e.Bytes()
}

// serialize writes tr through a SnapshotView.
func serialize(tr *Tree) []byte {
	v, err := tr.BeginSnapshot()
	if err != nil {
		panic(err)
	}
	defer v.Close()
	var b bytes.Buffer
	if _, err := v.WriteTo(&b); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// ens-07 seq 3962 is a ZooKeeper 3.8 leader's SNAP stream: 0 sessions,
// 2 ACL cache entries, 31 nodes.
func TestDeserializeZooKeeperSnapshot(t *testing.T) {
	raw := snapshotCapture(t)
	d := proto.NewDecoder(raw)
	tr, err := Deserialize(d, Options{ExtendedTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Remaining() != 0 {
		t.Fatalf("%d bytes left", d.Remaining())
	}
	if got := tr.s.count; got != 31 {
		t.Errorf("%d nodes, want 31", got)
	}
	if got := len(tr.acls.byID); got != 2 {
		t.Errorf("%d ACL entries, want 2", got)
	}
	if acl, st, err := tr.GetACL(ConfigPath); err != nil || !slices.Equal(acl, proto.ReadACLUnsafe) || st.Aversion != -1 {
		t.Errorf("config node: %+v %+v %v", acl, st, err)
	}
	// /diff (created with sequential children n0000000000..) is in there.
	kids := childrenOf(t, tr, "/diff")
	if len(kids) == 0 || kids[0] != "n0000000000" {
		t.Errorf("/diff children %q", kids)
	}
	st := statOf(t, tr, "/diff")
	if st.NumChildren != int32(len(kids)) || st.Czxid == 0 || st.Pzxid < st.Czxid {
		t.Errorf("/diff stat %+v", st)
	}

	// Round trip: our bytes are ZooKeeper's, reordered canonically.
	ours := serialize(tr)
	if want := canonical(t, raw); !bytes.Equal(ours, want) {
		t.Errorf("re-serialized snapshot differs: %d bytes vs %d", len(ours), len(want))
	}
	if len(ours) != len(raw) {
		t.Errorf("length %d, want %d", len(ours), len(raw))
	}
	again, err := Deserialize(proto.NewDecoder(ours), Options{ExtendedTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(serialize(again), ours) || dump(again) != dump(tr) {
		t.Error("second round trip differs")
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	tr := New(Options{ExtendedTypes: true})
	digest := []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "digest", ID: "u:x"}}}
	applyAll(t, tr, 1,
		mkCreate("/a", "data"), mkEphemeral("/a/e"), mkContainer("/c"), mkCreate("/c/x", ""),
		mkTTL("/t", 1234),
		op{proto.OpCreate, &proto.CreateTxn{Path: "/secret", ACL: digest, ParentCversion: -1}},
		op{proto.OpCreate, &proto.CreateTxn{Path: "/nulldata", ACL: nil, ParentCversion: -1}},
		op{proto.OpCreate, &proto.CreateTxn{Path: "/gone", ACL: []proto.ACL{{Perms: 1, ID: proto.Id{Scheme: "ip", ID: "10.0.0.1"}}}, ParentCversion: -1}},
		mkDelete("/gone"),
		mkCreate("/q", "12345"),
		mkCreate("/zookeeper/quota/q", ""), mkCreate("/zookeeper/quota/q/zookeeper_limits", "count=10,bytes=-1"),
		mkCreate("/zookeeper/quota/q/zookeeper_stats", "count=0,bytes=0"),
		mkCreate("/q/more", "678"),
	)
	if len(tr.acls.byID) != 3 { // READ for config, OPEN, digest; the ip list was released
		t.Errorf("%d ACL entries", len(tr.acls.byID))
	}
	b := serialize(tr)
	got, err := Deserialize(proto.NewDecoder(b), Options{ExtendedTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	if dump(got) != dump(tr) {
		t.Errorf("round trip differs:\n%s\n%s", dump(tr), dump(got))
	}
	if !bytes.Equal(serialize(got), b) {
		t.Error("re-serialization differs")
	}
	if got.NodeCount() != tr.NodeCount() || got.EphemeralCount() != 1 || got.ApproximateDataSize() != tr.ApproximateDataSize() {
		t.Error("counts differ")
	}
	// The quota is live again after loading.
	applyAll(t, got, 20, mkCreate("/q/new", "9"))
	if got := quotaStats(t, got, "/q"); got != "count=3,bytes=9" {
		t.Errorf("quota after load %q", got)
	}
	// New ACLs continue after the highest loaded id (3: the released ip
	// list's 4 is free again, as in ZooKeeper).
	applyAll(t, got, 21, op{proto.OpCreate, &proto.CreateTxn{Path: "/new", ACL: []proto.ACL{{Perms: 3, ID: proto.WorldAnyone}}, ParentCversion: -1}})
	got.mu.RLock()
	id := got.s.acl(got.s.at(got.lookup("/new")))
	got.mu.RUnlock()
	if id != 4 {
		t.Errorf("new ACL id %d, want 4", id)
	}
}

func TestDeserializeRejects(t *testing.T) {
	enc := func(f func(e *proto.Encoder)) []byte {
		e := proto.NewEncoder(nil)
		f(e)
		return e.Bytes()
	}
	node := func(e *proto.Encoder, path string, acl, owner int64) {
		e.String(path)
		e.Buffer(nil)
		e.Long(acl)
		st := proto.StatPersisted{EphemeralOwner: owner}
		st.Encode(e)
	}
	tests := map[string][]byte{
		"empty":   {},
		"no root": enc(func(e *proto.Encoder) { e.Int(0); e.String("/") }),
		"child before root": enc(func(e *proto.Encoder) {
			e.Int(0)
			node(e, "/a", -1, 0)
		}),
		"missing parent": enc(func(e *proto.Encoder) {
			e.Int(0)
			node(e, "", -1, 0)
			node(e, "/a/b", -1, 0)
			e.String("/")
		}),
		"duplicate": enc(func(e *proto.Encoder) {
			e.Int(0)
			node(e, "", -1, 0)
			node(e, "/a", -1, 0)
			node(e, "/a", -1, 0)
			e.String("/")
		}),
		"relative path": enc(func(e *proto.Encoder) {
			e.Int(0)
			node(e, "", -1, 0)
			node(e, "a", -1, 0)
			e.String("/")
		}),
		"unknown ACL": enc(func(e *proto.Encoder) {
			e.Int(0)
			node(e, "", 7, 0)
			e.String("/")
		}),
		"bad owner": enc(func(e *proto.Encoder) {
			e.Int(0)
			node(e, "", -1, 0)
			node(e, "/x", -1, -1)
			e.String("/")
		}),
		"null ACL entry": enc(func(e *proto.Encoder) { e.Int(1); e.Long(1); e.Int(-1) }),
		"huge ACL count": enc(func(e *proto.Encoder) { e.Int(1 << 30) }),
		"no terminator": enc(func(e *proto.Encoder) {
			e.Int(0)
			node(e, "", -1, 0)
		}),
	}
	for name, b := range tests {
		if _, err := Deserialize(proto.NewDecoder(b), Options{ExtendedTypes: true}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Every truncation of a valid snapshot is an error, never a panic.
	full := serialize(New(Options{}))
	for i := 0; i < len(full); i++ {
		if _, err := Deserialize(proto.NewDecoder(full[:i]), Options{}); err == nil {
			t.Fatalf("truncated at %d accepted", i)
		}
	}
}

func FuzzDeserialize(f *testing.F) {
	f.Add(serialize(New(Options{})))
	if raw := func() (b []byte) {
		defer func() { recover() }()
		return snapshotCapture(f)
	}(); raw != nil {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := Deserialize(proto.NewDecoder(b), Options{ExtendedTypes: true})
		if err != nil {
			return
		}
		out := serialize(tr)
		again, err := Deserialize(proto.NewDecoder(out), Options{ExtendedTypes: true})
		if err != nil {
			t.Fatalf("own output rejected: %v", err)
		}
		if !bytes.Equal(serialize(again), out) {
			t.Fatal("unstable round trip")
		}
	})
}
