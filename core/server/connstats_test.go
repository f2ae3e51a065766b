package server

import (
	"regexp"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// cons shows each session's last operation, cxid, zxid and latencies as
// ZooKeeper's does, and crst resets them.
func TestConsShowsResponseStats(t *testing.T) {
	n := startNode(t)
	c, _ := n.client(t, 30*time.Second)
	if _, err := c.Create("/stats", []byte("x"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Get("/stats"); err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^ /127\.0\.0\.1:\d+\[1\]\(queued=0,recved=\d+,sent=\d+,sid=0x[0-9a-f]+,lop=(\w+),est=\d+,to=\d+,` +
		`lcxid=0x([0-9a-f]+),lzxid=0x([0-9a-f]+),lresp=(\d+),llat=\d+,minlat=\d+,avglat=\d+,maxlat=\d+\)$`)
	m := line.FindStringSubmatch(fourLetter(t, n.addr, "cons"))
	if m == nil {
		t.Fatalf("no session line like ZooKeeper's in cons:\n%s", fourLetter(t, n.addr, "cons"))
	}
	// go-zookeeper numbers its requests from 1: the create, then the get.
	if m[1] != "GETD" || m[2] != "2" || m[3] != "2" || m[4] == "0" {
		t.Errorf("lop=%s lcxid=0x%s lzxid=0x%s lresp=%s, want GETD, 0x2, 0x2 (create's zxid after the session's), a time", m[1], m[2], m[3], m[4])
	}

	fourLetter(t, n.addr, "crst")
	out := fourLetter(t, n.addr, "cons")
	if !regexp.MustCompile(`,lop=NA,est=\d+,to=\d+,lzxid=0xffffffffffffffff,lresp=0,llat=0,minlat=0,avglat=0,maxlat=0\)`).MatchString(out) {
		t.Errorf("after crst, cons = %s", out)
	}
	conns, err := n.srv.AdminCommand("connections")
	if err != nil {
		t.Fatal(err)
	}
	var session map[string]any
	for _, m := range conns["connections"].([]map[string]any) {
		if m["session_id"] != nil {
			session = m
		}
	}
	if session["last_operation"] != "NA" || session["last_cxid"] != int64(-1) || session["max_latency"] != int64(0) {
		t.Errorf("the session's connection after crst = %v", session)
	}
}
