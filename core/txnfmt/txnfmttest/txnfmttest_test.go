package txnfmttest

import "testing"

func TestDiffLog(t *testing.T) {
	zk := "ZooKeeper Transactional Log File with dbid 0 txnlog format version 2\n" +
		"1/2/26, 3:04:05 PM UTC session 0x1 cxid 0x0 zxid 0x1 createTtl /t,,[31,s{'world,'anyone}\n],4,60000\n" +
		"1/2/26, 3:04:05 PM UTC session 0x1 cxid 0x1 zxid 0x2 delete '/t\n" +
		"1/2/26, 3:04:05 PM UTC session 0x1 cxid 0x2 zxid 0x3 multi \x00\x00\x00\x02/a\n\x01;check:...\n" +
		"EOF reached after 3 txns.\n"
	warren := "ZooKeeper Transactional Log File with dbid 0 txnlog format version 2\n" +
		"1/2/26, 3:04:05 PM UTC session 0x1 cxid 0x0 zxid 0x1 createTTL /t,,[31,s{'world,'anyone}\n],4,60000\n" +
		"1/2/26, 3:04:05 PM UTC session 0x1 cxid 0x1 zxid 0x2 delete /t\n" +
		"1/2/26, 3:04:05 PM UTC session 0x1 cxid 0x2 zxid 0x3 multi delete:/a;check:/b,1\n" +
		"EOF reached after 3 txns.\n"
	if diff := DiffLog(warren, zk); diff != "" {
		t.Errorf("same log: %s", diff)
	}
	for _, bad := range []string{
		warren[:len(warren)-30],
		warren[:100] + "X" + warren[101:],
		warren + warren,
	} {
		if DiffLog(bad, zk) == "" {
			t.Errorf("no difference found in %q", bad)
		}
	}
}

func TestDiffTree(t *testing.T) {
	zk := "ZNode Details (count=3):\n----\n/\n  x = 1\n----\n/b\n  x = 2\n----\n/a\n  x = 3\n----\n" +
		"Session Details (sid, timeout, ephemeralCount):\n0x2, 1, 0\n0x1, 1, 0\n----\nLast zxid: 0x3\n"
	warren := "ZNode Details (count=3):\n----\n/\n  x = 1\n----\n/a\n  x = 3\n----\n/b\n  x = 2\n----\n" +
		"Session Details (sid, timeout, ephemeralCount):\n0x1, 1, 0\n0x2, 1, 0\n----\nLast zxid: 0x3\n"
	if diff := DiffTree(warren, zk); diff != "" {
		t.Errorf("same tree: %s", diff)
	}
	if DiffTree(warren[:len(warren)-2]+"4\n", zk) == "" || DiffTree(warren[:60], zk) == "" {
		t.Error("a difference went unseen")
	}
}
