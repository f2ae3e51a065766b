package server

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

// mntrGauges are mntr's first keys, in ZooKeeper 3.8's order. The
// ServerMetrics keys that follow are compared with a live ZooKeeper 3.8's
// by cmd/warren's differential scenario mntr-keys.
var mntrGauges = []string{
	"zk_version", "zk_server_state", "zk_ephemerals_count", "zk_num_alive_connections", "zk_avg_latency",
	"zk_outstanding_requests", "zk_znode_count", "zk_global_sessions", "zk_non_mtls_remote_conn_count",
	"zk_last_client_response_size", "zk_packets_sent", "zk_packets_received", "zk_max_client_response_size",
	"zk_connection_drop_probability", "zk_watch_count", "zk_auth_failed_count", "zk_min_latency",
	"zk_max_file_descriptor_count", "zk_approximate_data_size", "zk_open_file_descriptor_count",
	"zk_local_sessions", "zk_uptime", "zk_max_latency", "zk_outstanding_tls_handshake",
	"zk_min_client_response_size", "zk_non_mtls_local_conn_count",
}

func mntr(t *testing.T, addr string) (keys []string, values map[string]string) {
	t.Helper()
	values = map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(fourLetter(t, addr, "mntr"), "\n"), "\n") {
		k, v, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("mntr line %q has no tab", line)
		}
		keys = append(keys, k)
		values[k] = v
	}
	return keys, values
}

func mntrInt(t *testing.T, values map[string]string, key string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(values[key], 10, 64)
	if err != nil {
		t.Fatalf("%s = %q: %v", key, values[key], err)
	}
	return n
}

func TestMntrCountsWhatHappened(t *testing.T) {
	n := startNode(t)
	_, before := mntr(t, n.addr)
	for _, k := range []string{"zk_last_client_response_size", "zk_min_client_response_size", "zk_max_client_response_size"} {
		if before[k] != "-1" {
			t.Errorf("%s = %s before any reply, want -1", k, before[k])
		}
	}

	r := dialRaw(t, n.addr)
	id, pw := r.connect(t, 0, nil, 100) // the shortest timeout: it expires soon after r goes
	r.writeFrame(t, r.request(proto.OpExists, &proto.ExistsRequest{Path: "/"}))
	r.reply(t)
	again := dialRaw(t, n.addr)
	again.connect(t, id, pw, 100) // the server closes r
	again.nc.Close()              // EOF under the server's read: a drop
	silent := dialRaw(t, n.addr)  // no ConnectRequest: closed after the read timeout
	silent.expectClosed(t)
	waitFor(t, func() bool {
		_, v := mntr(t, n.addr)
		return v["zk_stale_sessions_expired"] == "1"
	}, "the session to expire")

	keys, v := mntr(t, n.addr)
	if len(keys) < len(mntrGauges) || !slices.Equal(keys[:len(mntrGauges)], mntrGauges) {
		t.Errorf("mntr keys begin:\n  %v\nwant\n  %v", keys[:min(len(keys), len(mntrGauges))], mntrGauges)
	}
	if last := keys[len(keys)-2:]; !slices.Equal(last, []string{"zk_fsync_count", "zk_fsync_txns"}) {
		t.Errorf("mntr ends with %v, want Warren's own two keys last", last)
	}
	if len(v) != len(keys) {
		t.Errorf("mntr repeats keys: %d lines, %d keys", len(keys), len(v))
	}
	for key, min := range map[string]int64{
		"zk_connection_request_count":         2,
		"zk_connection_revalidate_count":      1,
		"zk_connection_drop_count":            1,
		"zk_sessionless_connections_expired":  1,
		"zk_packets_received":                 3, // two ConnectRequests and the exists
		"zk_packets_sent":                     3,
		"zk_cnt_fsynctime":                    2, // createSession, closeSession
		"zk_fsync_txns":                       2,
		"zk_min_client_response_size":         16, // a ReplyHeader
		"zk_cnt_readlatency":                  1,  // the exists
		"zk_cnt_updatelatency":                1,  // createSession
		"zk_cnt_prep_process_time":            2,
		"zk_cnt_close_session_prep_time":      1,
		"zk_cnt_sync_processor_queue_time_ms": 2,
		"zk_sum_sync_processor_batch_size":    2,
		"zk_cnt_dbinittime":                   1,
		"zk_cnt_startup_snap_load_time":       1,
		"zk_response_bytes":                   16,
	} {
		if got := mntrInt(t, v, key); got < min {
			t.Errorf("%s = %d, want at least %d", key, got, min)
		}
	}
	if got, want := mntrInt(t, v, "zk_bytes_received_count"), int64(2*(4+45)); got < want {
		t.Errorf("zk_bytes_received_count = %d, want at least %d", got, want)
	}
	if mntrInt(t, v, "zk_min_client_response_size") > mntrInt(t, v, "zk_max_client_response_size") {
		t.Errorf("response sizes min %s > max %s", v["zk_min_client_response_size"], v["zk_max_client_response_size"])
	}
	if v["zk_outstanding_requests"] != "0" || v["zk_server_state"] != "standalone" {
		t.Errorf("outstanding %s, state %s", v["zk_outstanding_requests"], v["zk_server_state"])
	}

	if got := fourLetter(t, n.addr, "srst"); got != "Server stats reset.\n" {
		t.Fatalf("srst = %q", got)
	}
	_, v = mntr(t, n.addr)
	for _, k := range slices.Sorted(maps.Keys(map[string]bool{
		"zk_packets_received": true, "zk_connection_request_count": true,
		"zk_connection_drop_count": true, "zk_bytes_received_count": true, "zk_stale_sessions_expired": true,
		"zk_cnt_fsynctime": true, "zk_fsync_txns": true, "zk_cnt_readlatency": true, "zk_p50_readlatency": true,
		"zk_cnt_dbinittime": true, "zk_response_bytes": true,
	})) {
		if v[k] != "0" {
			t.Errorf("%s = %s after srst, want 0", k, v[k])
		}
	}
	// The one packet sent since is srst's answer, as in ZooKeeper.
	if v["zk_packets_sent"] != "1" || v["zk_last_client_response_size"] != "-1" || v["zk_avg_fsynctime"] != "0.0" {
		t.Errorf("after srst: packets sent %s, last response size %s, avg fsync time %s; want 1, -1 and 0.0",
			v["zk_packets_sent"], v["zk_last_client_response_size"], v["zk_avg_fsynctime"])
	}
}

func TestJavaDouble(t *testing.T) {
	for x, want := range map[float64]string{0: "0.0", 1: "1.0", 2.5: "2.5", 2.50744: "2.5074", 0.06985: "0.0699", 1.99999: "2.0"} {
		if got := javaDouble(x); got != want {
			t.Errorf("javaDouble(%v) = %q, want %q", x, got, want)
		}
	}
}
