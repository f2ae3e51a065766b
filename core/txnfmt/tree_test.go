package txnfmt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/snapshot"
	"github.com/warrenzk/warren/core/tree"
	"github.com/warrenzk/warren/core/txnfmt/txnfmttest"
)

func readSnapshot(t *testing.T, path string) *snapshot.Snapshot {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := snapshot.Read(f, tree.Options{ExtendedTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTreeMatchesZooKeeper(t *testing.T) {
	for _, tc := range []struct {
		snap, golden string
		zxid         int64
		data         bool
	}{
		{"snapshot.2e", "snapshot.2e.zk38.txt", 0x2e, false},
		{"snapshot.1d", "snapshot.1d-d.zk38.txt", 0x1d, true},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			s := readSnapshot(t, filepath.Join(zk38, tc.snap))
			var b strings.Builder
			opts := TreeOptions{Data: tc.data, Location: time.UTC, FileZxid: tc.zxid}
			if err := WriteTree(&b, s.Tree, s.Sessions, opts); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", tc.golden))
			if err != nil {
				t.Fatal(err)
			}
			if diff := txnfmttest.DiffTree(b.String(), string(want)); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestTreeFormat(t *testing.T) {
	tr := tree.New(tree.Options{ExtendedTypes: true})
	hdr := &proto.TxnHeader{ClientID: 0x100000000000001, Zxid: 7, Time: 86_400_000, Type: proto.OpCreate}
	tr.Apply(hdr, &proto.CreateTxn{Path: "/e", Data: []byte("hi"), ACL: proto.OpenACLUnsafe, Ephemeral: true, ParentCversion: -1})
	hdr = &proto.TxnHeader{Zxid: 8, Time: 86_400_000, Type: proto.OpCreateContainer}
	tr.Apply(hdr, &proto.CreateContainerTxn{Path: "/c", ACL: proto.OpenACLUnsafe, ParentCversion: -1})
	var b strings.Builder
	sessions := []snapshot.Session{{ID: 0x100000000000001, Timeout: 4000}, {ID: 5, Timeout: 6000}}
	if err := WriteTree(&b, tr, sessions, TreeOptions{Data: true, Location: time.FixedZone("CET", 3600)}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"ZNode Details (count=7):\n----\n/\n",
		"----\n/c\n  cZxid = 0x00000000000008\n  ctime = Fri Jan 02 01:00:00 CET 1970\n",
		"  ephemeralOwner = 0x8000000000000000\n  data = \n",
		"----\n/e\n",
		"  ephemeralOwner = 0x100000000000001\n  data = aGk=\n----\n/zookeeper\n",
		"Session Details (sid, timeout, ephemeralCount):\n0x100000000000001, 4000, 1\n0x00000000000005, 6000, 0\n----\nLast zxid: 0x8\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
}
