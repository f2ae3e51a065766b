package txnfmt

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/txnfmt/txnfmttest"
	"github.com/warrenzk/warren/storage/zkdata"
)

// zk38 is a data dir written by Apache ZooKeeper 3.8 (see storage/zkdata);
// testdata/*.zk38.txt is what ZooKeeper 3.8.0's TxnLogToolkit and
// SnapshotFormatter print for its files, run with TZ=UTC in en_US.
var zk38 = filepath.Join("..", "..", "storage", "zkdata", "testdata", "zk38", "version-2")

// dumpLog formats a log file as TxnLogToolkit does.
func dumpLog(t *testing.T, path string) string {
	t.Helper()
	l, err := zkdata.OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var b strings.Builder
	h := l.Header()
	fmt.Fprintln(&b, FileHeaderLine(h.DBID, h.Version))
	n := 0
	for e, ok := l.Next(); ok; e, ok = l.Next() {
		txn, err := zkdata.DecodeTxn(e.Data)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, Line(&txn.Header, txn.Record, time.UTC))
		n++
	}
	if l.Err() != nil {
		t.Fatal(l.Err())
	}
	fmt.Fprintln(&b, EOFLine(n))
	return b.String()
}

func TestLogMatchesZooKeeper(t *testing.T) {
	golden, _ := filepath.Glob(filepath.Join("testdata", "log.*.zk38.txt"))
	if len(golden) == 0 {
		t.Fatal("no golden files")
	}
	for _, g := range golden {
		name := strings.TrimSuffix(filepath.Base(g), ".zk38.txt")
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(g)
			if err != nil {
				t.Fatal(err)
			}
			if diff := txnfmttest.DiffLog(dumpLog(t, filepath.Join(zk38, name)), string(want)); diff != "" {
				t.Error(diff)
			}
		})
	}
}

// The multis of the testdata, as ZooKeeper's current TxnLogToolkit prints
// them (ZOOKEEPER-4864).
func TestLogMulti(t *testing.T) {
	got := dumpLog(t, filepath.Join(zk38, "log.1"))
	for _, want := range []string{
		"zxid 0xc multi create:/app/m1,a,[31,s{'world,'anyone}\n],false,6;setData:/app/m1,b,1;check:/app,2\n",
		"zxid 0xd multi create:/app/m2,a,[31,s{'world,'anyone}\n],false,7;error:-101\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

func TestBody(t *testing.T) {
	acl := []proto.ACL{{Perms: 31, ID: proto.WorldAnyone}, {Perms: 1, ID: proto.Id{Scheme: "ip", ID: "10.0.0.1,}%"}}}
	sub := func(op proto.Op, r proto.Record) proto.Txn { return proto.Txn{Type: op, Data: proto.Marshal(r)} }
	tests := []struct {
		rec  proto.Record
		want string
	}{
		{nil, ""},
		{&proto.CreateTxn{Path: "/a", Data: []byte{'x', 0xff, 'y'}, ACL: acl, ParentCversion: -1},
			"/a,x\uFFFDy,[31,s{'world,'anyone}\n, 1,s{'ip,'10.0.0.1%2C%7D%25}\n],false,-1"},
		{&proto.CreateTxn{Path: "/a"}, "/a,,null,false,0"},
		{&proto.SetDataTxn{Path: "/a", Data: []byte("d,e"), Version: 3}, "/a,d,e,3"},
		{&proto.CreateContainerTxn{Path: "/c", ACL: []proto.ACL{}, ParentCversion: 2}, "/c,,[],2"},
		{&proto.CreateTTLTxn{Path: "/t", Data: []byte("t"), ACL: acl[:1], ParentCversion: 4, TTL: 60000}, "/t,t,[31,s{'world,'anyone}\n],4,60000"},
		{&proto.DeleteTxn{Path: "/d"}, "/d"},
		{&proto.CreateSessionTxn{TimeOut: 30000}, "30000\n"},
		{&proto.ErrorTxn{Err: proto.ErrNoNode}, "-101\n"},
		{&proto.CloseSessionTxn{Paths: []string{"/e1", "/e,2"}}, "v{'/e1,'/e%2C2}\n"},
		{&proto.CloseSessionTxn{}, "v{}\n"},
		{&proto.SetACLTxn{Path: "/a", ACL: acl, Version: 2}, "'/a,v{s{31,s{'world,'anyone}},s{1,s{'ip,'10.0.0.1%2C%7D%25}}},2\n"},
		{&proto.MultiTxn{Txns: []proto.Txn{
			sub(proto.OpDelete, &proto.DeleteTxn{Path: "/x"}),
			sub(proto.OpCreateTTL, &proto.CreateTTLTxn{Path: "/t", ACL: acl[:1], TTL: 5}),
			sub(proto.OpCheck, &proto.CheckVersionTxn{Path: "/y", Version: 7}),
			sub(proto.OpError, &proto.ErrorTxn{Err: proto.ErrBadVersion}),
			{Type: proto.OpSetACL, Data: []byte{1}},
			{Type: proto.OpSetData, Data: []byte{1}},
			{Type: proto.OpError, Data: nil},
		}}, "delete:/x;createTTL:/t,,[31,s{'world,'anyone}\n],0,5;check:/y,7;error:-103;setACL:<1 undecodable bytes>;setData:<1 undecodable bytes>;error:"},
	}
	for _, tc := range tests {
		if got := Body(tc.rec); got != tc.want {
			t.Errorf("Body(%#v)\n got %q\nwant %q", tc.rec, got, tc.want)
		}
	}
}

func TestLine(t *testing.T) {
	hdr := &proto.TxnHeader{ClientID: -1, Cxid: -2, Zxid: 0x1_0000_0001, Time: 1700000000123, Type: proto.OpCreateSession}
	want := "11/14/23, 10:13:20 PM UTC session 0xffffffffffffffff cxid 0xfffffffffffffffe zxid 0x100000001 createSession 4000"
	if got := Line(hdr, &proto.CreateSessionTxn{TimeOut: 4000}, time.UTC); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	hdr.Type = 999
	if got := Line(hdr, nil, time.UTC); !strings.HasSuffix(got, " unknown 999 ") {
		t.Errorf("unknown type: %q", got)
	}
}
