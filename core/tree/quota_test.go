package tree

import (
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

func quotaStats(t *testing.T, tr *Tree, target string) string {
	t.Helper()
	d, _, err := tr.GetData(QuotaPath+target+"/"+quotaStatNode, nil)
	if err != nil {
		t.Fatalf("stats of %s: %v", target, err)
	}
	return string(d)
}

// zkcli-basic seq 56-71: setquota -n 5 /zkc creates the limits node, then a
// stats node with "count=0,bytes=0"; the server rewrites it to the subtree's
// real count and bytes ("count=5,bytes=5"), keeping its stat.
func TestQuotaAsZkCli(t *testing.T) {
	tr, _ := newTree(true)
	applyAll(t, tr, 1,
		mkCreate("/zkc", "hello"), mkEphemeral("/zkc/eph"), mkCreate("/zkc/seq-0000000001", "s"),
		op{proto.OpCreateContainer, &proto.CreateContainerTxn{Path: "/zkc/cont", ACL: proto.OpenACLUnsafe, ParentCversion: -1}},
		op{proto.OpCreateTTL, &proto.CreateTTLTxn{Path: "/zkc/ttl", Data: []byte("t"), ACL: proto.OpenACLUnsafe, ParentCversion: -1, TTL: 60000}},
		mkSetData("/zkc", "v2", 1),
		mkCreate("/zookeeper/quota/zkc", ""),
		mkCreate("/zookeeper/quota/zkc/zookeeper_limits", "count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1"),
	)
	w := &recorder{}
	sizeBefore := tr.ApproximateDataSize()
	applyAll(t, tr, 9, mkCreate("/zookeeper/quota/zkc/zookeeper_stats", "count=0,bytes=0"))
	_, st, _ := tr.GetData("/zookeeper/quota/zkc/zookeeper_stats", w)
	if got := quotaStats(t, tr, "/zkc"); got != "count=5,bytes=5" {
		t.Fatalf("stats %q", got)
	}
	if st.DataLength != 15 || st.Mzxid != 9 || st.Version != 0 {
		t.Errorf("stats node stat %+v", st)
	}
	if got := tr.ApproximateDataSize(); got != sizeBefore+int64(len("/zookeeper/quota/zkc/zookeeper_stats")+len("count=0,bytes=0")) {
		t.Errorf("size %d: the recount must not count", got)
	}

	steps := []struct {
		o    op
		want string
	}{
		{mkCreate("/zkc/new", "abc"), "count=6,bytes=8"},
		{mkCreate("/zkc/new/deeper", ""), "count=7,bytes=8"},
		{mkSetData("/zkc/new", "a", 1), "count=7,bytes=6"},
		{mkDelete("/zkc/new/deeper"), "count=6,bytes=6"},
		{mkDelete("/zkc/new"), "count=5,bytes=5"},
		{mkCreate("/zkcx", "outside"), "count=5,bytes=5"},
		{mkSetData("/zookeeper/quota/zkc/zookeeper_limits", "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=-1", 1), "count=5,bytes=5"},
		{mkDelete("/zookeeper/quota/zkc/zookeeper_limits"), "count=5,bytes=5"},
		{mkCreate("/zkc/after", "abc"), "count=5,bytes=5"}, // no limits node: no accounting
	}
	for i, s := range steps {
		applyAll(t, tr, int64(10+i), s.o)
		if got := quotaStats(t, tr, "/zkc"); got != s.want {
			t.Errorf("after %v %v: %q, want %q", s.o.typ, s.o.txn, got, s.want)
		}
	}
	if got := w.take(); len(got) != 0 {
		t.Errorf("quota rewrites fired watches: %q", got)
	}
}

// Nested quotas: a change is charged to the deepest quota only.
func TestNestedQuota(t *testing.T) {
	tr := New(Options{})
	applyAll(t, tr, 1,
		mkCreate("/a", ""), mkCreate("/a/b", ""),
		mkCreate("/zookeeper/quota/a", ""), mkCreate("/zookeeper/quota/a/zookeeper_limits", ""),
		mkCreate("/zookeeper/quota/a/zookeeper_stats", ""),
		mkCreate("/zookeeper/quota/a/b", ""), mkCreate("/zookeeper/quota/a/b/zookeeper_limits", ""),
		mkCreate("/zookeeper/quota/a/b/zookeeper_stats", ""),
		mkCreate("/a/b/c", "12"), mkCreate("/a/x", "1"),
	)
	if got := quotaStats(t, tr, "/a"); got != "count=3,bytes=1" {
		t.Errorf("/a %q", got)
	}
	if got := quotaStats(t, tr, "/a/b"); got != "count=2,bytes=2" {
		t.Errorf("/a/b %q", got)
	}
}

func TestStatsTrack(t *testing.T) {
	tests := []struct{ in, out string }{
		{"count=0,bytes=0", "count=0,bytes=0"},
		{"count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1", "count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1"},
		{"countHardLimit=3;count=1,bytes=2", "count=1,bytes=2=;countHardLimit=3"},
		{"", "count=-1,bytes=-1"},
		{"garbage,count=x,bytes=7", "count=-1,bytes=7"},
		{"count=,bytes=1", "count=-1,bytes=1"},
	}
	for _, tc := range tests {
		s := parseStatsTrack([]byte(tc.in))
		if got := string(s.bytes()); got != tc.out {
			t.Errorf("%q -> %q, want %q", tc.in, got, tc.out)
		}
	}
}
