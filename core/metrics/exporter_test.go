package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/warrenzk/warren/core/metrics/metricstest"
	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/server"
	"github.com/warrenzk/warren/core/stats"
)

type fixed server.Metrics

func (f fixed) Metrics() server.Metrics { return server.Metrics(f) }

func scrape(t *testing.T, e *Exporter) []byte {
	t.Helper()
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tracked returns an Exporter tracking a registry with a counter, a
// summary of each level and a summary set, as a node's would.
func tracked() (*Exporter, *stats.Counter, *stats.Summary, *stats.Summary, *stats.SummarySet) {
	var reg stats.Registry
	c := reg.Counter("bytes_received_count")
	basic := reg.Summary("fsynctime", stats.Basic)
	advanced := reg.Summary("readlatency", stats.Advanced)
	set := reg.SummarySet("read_per_namespace", stats.Basic)
	e := New("wal")
	e.Track(&reg)
	return e, c, basic, advanced, set
}

func TestExporterSeries(t *testing.T) {
	e, c, basic, advanced, set := tracked()
	e.Watch(fixed{Version: "0.1.0 (Warren)", ServerState: "standalone", ZnodeCount: 5, FsyncTxns: 3})
	c.Add(42)
	basic.Add(1)
	advanced.Add(2)
	set.Add("app", 100)
	e.RequestDone(proto.OpCreate, 2*time.Millisecond)
	e.BatchSynced(3, time.Millisecond)
	e.SnapshotWritten(time.Second)
	text := string(scrape(t, e))
	for _, want := range []string{
		"\nznode_count 5\n",
		"\nnon_mtls_local_conn_count 0\n",
		"# TYPE bytes_received_count counter\nbytes_received_count 42\n",
		"# TYPE fsynctime summary\n",
		`fsynctime{quantile="0.5"} 1` + "\n",
		"fsynctime_count 1\n",
		`readlatency{quantile="0.99"} 2` + "\n",
		`read_per_namespace_sum{key="app"} 100` + "\n",
		`warren_request_duration_seconds_count{op="create"} 1`,
		"warren_commit_batch_txns_sum 3\n",
		`warren_storage_sync_duration_seconds_count{backend="wal"} 1`,
		`warren_server_info{server_state="standalone",version="0.1.0 (Warren)"} 1`,
		"warren_fsync_txns_total 3\n",
		"warren_txn_log_failures_total 0\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	if strings.Contains(text, `fsynctime{quantile="0.9"}`) {
		t.Error("a BASIC summary has quantiles beyond the median; ZooKeeper's has only the median")
	}
	for _, name := range e.ZooKeeperNames() {
		if !strings.Contains(text, "# TYPE "+name+" ") {
			t.Errorf("scrape lacks ZooKeeper's %s", name)
		}
	}
}

// TestExporterPassesPromtool: every series parses, and only ZooKeeper's own
// names, kept for its dashboards, break Prometheus's naming advice.
func TestExporterPassesPromtool(t *testing.T) {
	e, _, _, _, set := tracked()
	e.Watch(fixed{})
	set.Add("app", 1)
	e.RequestDone(proto.OpGetData, time.Millisecond)
	allowed := map[string]bool{}
	for _, n := range e.ZooKeeperNames() {
		allowed[n] = true
	}
	if p := metricstest.Problems(t, scrape(t, e), allowed); len(p) > 0 {
		t.Errorf("promtool check metrics finds problems in Warren's own series:\n%s", strings.Join(p, "\n"))
	}
}
