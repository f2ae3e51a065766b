package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/warrenzk/warren/core/metrics/metricstest"
)

func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, b)
	}
	return b
}

// zkPrometheus reads testdata/zookeeper_prometheus.tsv: ZooKeeper 3.8's mntr
// keys and the series (with type) its Prometheus provider has for each, or
// "-" for a key Warren does not report.
func zkPrometheus(t *testing.T) map[string][2]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "zookeeper_prometheus.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][2]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			f := strings.Split(line, "\t")
			out[f[0]] = [2]string{f[1], f[2]}
		}
	}
	return out
}

// namespacedKey matches mntr's keys of a per-namespace summary.
var namespacedKey = regexp.MustCompile(`^(zk_[a-z0-9]+)_.+_((?:read|write)_per_namespace)$`)

// TestMetricsEndpoint scrapes a node, checks the text with promtool, and
// checks that every key ZooKeeper 3.8's mntr reports has Warren's series of
// ZooKeeper's name and type, and that the series measure what happened.
func TestMetricsEndpoint(t *testing.T) {
	port := freePort(t)
	w, z := startBoth(t, fmt.Sprintf("metrics: {enabled: true, http_host: 127.0.0.1, http_port: %d}", port))
	for _, addr := range []string{w.Addr, z.Addr} {
		c := connectZK(t, addr, 10*time.Second)
		if _, err := c.Create("/m", []byte("x"), zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := c.GetW("/m"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Set("/m", []byte("yy"), -1); err != nil { // fires the data watch
			t.Fatal(err)
		}
	}
	text := string(httpGet(t, "http://127.0.0.1:"+strconv.Itoa(port)+"/metrics"))

	fixture := zkPrometheus(t)
	allowed := map[string]bool{}
	for _, series := range fixture {
		allowed[series[0]] = true
	}
	if p := metricstest.Problems(t, []byte(text), allowed); len(p) > 0 {
		t.Errorf("promtool check metrics:\n%s", strings.Join(p, "\n"))
	}
	for _, want := range []string{
		"\nznode_count 6\n", "\nephemerals_count 1\n", `warren_request_duration_seconds_count{op="create"} 1`,
		"\ndbinittime_count 1\n", "\nstartup_snap_load_time_count 1\n", "\nnode_changed_watch_count_sum 1\n",
		`read_per_namespace_count{key="m"} 1`, `write_per_namespace_sum{key="m"} 7`,
		`readlatency{quantile="0.99"}`, `updatelatency{quantile="0.5"}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	for _, moved := range []string{"updatelatency_count", "readlatency_count", "fsynctime_count", "sync_processor_batch_size_sum",
		"prep_processor_request_queued", "sync_processor_request_queued", "response_bytes", "watch_bytes", "propagation_latency_count"} {
		if v := seriesValue(t, text, moved); v < 1 {
			t.Errorf("%s is %v after a create, a read and a setData, want at least 1", moved, v)
		}
	}

	out, err := fourLetter(z.Addr, "mntr", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	wout, err := fourLetter(w.Addr, "mntr", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// The same requests counted the same way: overlay records, watchers
	// fired, bytes by namespace, start-up loads.
	zv, wv := mntrValues(out), mntrValues(wout)
	for _, k := range []string{"zk_outstanding_changes_queued", "zk_cnt_node_changed_watch_count", "zk_sum_node_changed_watch_count",
		"zk_cnt_m_read_per_namespace", "zk_sum_m_read_per_namespace", "zk_cnt_m_write_per_namespace", "zk_sum_m_write_per_namespace",
		"zk_cnt_dbinittime", "zk_cnt_startup_snap_load_time", "zk_cnt_startup_txns_loaded"} {
		if zv[k] == "" || wv[k] != zv[k] {
			t.Errorf("mntr's %s: Warren %q, ZooKeeper %q", k, wv[k], zv[k])
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		key, _, _ := strings.Cut(line, "\t")
		key = namespacedKey.ReplaceAllString(key, "${1}_<namespace>_${2}")
		series, ok := fixture[key]
		switch {
		case !ok:
			t.Errorf("ZooKeeper's mntr reports %s, which testdata/zookeeper_prometheus.tsv does not list", key)
		case !strings.Contains(text, "# TYPE "+series[0]+" "+series[1]+"\n"):
			t.Errorf("mntr's %s: the scrape has no %s %s", key, series[1], series[0])
		}
	}
}

// mntrValues maps mntr's keys to their values.
func mntrValues(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if k, v, ok := strings.Cut(line, "\t"); ok {
			m[k] = v
		}
	}
	return m
}

// seriesValue is the value of an unlabelled sample in a scrape.
func seriesValue(t *testing.T, text, name string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("scrape has no sample %s", name)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// adminKeys returns the top-level keys of one AdminServer answer.
func adminKeys(t *testing.T, base, name string) []string {
	t.Helper()
	return slices.Sorted(maps.Keys(adminGet(t, base, name)))
}

func adminGet(t *testing.T, base, name string) map[string]any {
	t.Helper()
	var m map[string]any
	b := httpGet(t, base+"/"+name)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, b)
	}
	return m
}

// connectionKeys returns the keys of the one connection an answer lists.
func connectionKeys(t *testing.T, base, name string) []string {
	t.Helper()
	conns, _ := adminGet(t, base, name)["connections"].([]any)
	if len(conns) != 1 {
		t.Fatalf("%s lists %d connections, want the test's one: %v", name, len(conns), conns)
	}
	c, _ := conns[0].(map[string]any)
	return slices.Sorted(maps.Keys(c))
}

// adminGaps are keys ZooKeeper 3.8 answers that Warren cannot fill truthfully
// (docs/compatibility.md).
var adminGaps = map[string][]string{
	"environment": {"java.class.path", "java.compiler", "java.home", "java.io.tmpdir", "java.library.path",
		"java.vendor", "java.version", "os.memory.free", "os.memory.max", "os.version", "user.home", "user.name"},
}

// TestAdminServerMatchesZooKeeper runs every AdminServer command, by name
// and alias, on Warren and on ZooKeeper 3.8 and compares the JSON keys.
func TestAdminServerMatchesZooKeeper(t *testing.T) {
	wport := freePort(t)
	w := startWarren(t, fmt.Sprintf("admin: {enable_server: true, server_address: 127.0.0.1, server_port: %d}", wport))
	java := requireZooKeeper(t)
	zport := freePort(t)
	z, err := launchZooKeeperWith(java, t.TempDir(), fmt.Sprintf("admin.enableServer=true\nadmin.serverAddress=127.0.0.1\nadmin.serverPort=%d\n", zport))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopZooKeeper(t, z) })
	wbase := "http://127.0.0.1:" + strconv.Itoa(wport) + "/commands"
	zbase := "http://127.0.0.1:" + strconv.Itoa(zport) + "/commands"
	for _, n := range []*node{w, z} {
		c := connectZK(t, n.Addr, 10*time.Second)
		if _, err := c.Create("/a", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := c.GetW("/a"); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{
		"ruok", "srvr", "server_stats", "stat", "stats", "mntr", "monitor", "conf", "configuration", "config",
		"cons", "connections", "crst", "connection_stat_reset", "dump", "envi", "env", "environment",
		"wchs", "watch_summary", "wchc", "watches", "wchp", "watches_by_path", "dirs", "isro", "is_read_only",
		"leader", "lead", "srst", "stat_reset", "gtmk", "get_trace_mask", "stmk", "hash", "icfg",
		"initial_configuration", "observers", "obsr", "orst", "voting_view", "zabstate", "nosuch",
		"last_snapshot", "lsnp", "system_properties", "sysp",
	} {
		wkeys, zkeys := adminKeys(t, wbase, name), adminKeys(t, zbase, name)
		switch name {
		case "mntr", "monitor":
			continue // TestMetricsEndpoint and docs/compatibility.md cover mntr's keys
		case "system_properties", "sysp":
			// The JVM's properties against the Go process's: only the
			// names both have in common (docs/compatibility.md).
			for _, k := range []string{"command", "error", "file.separator", "os.name", "user.dir", "user.name"} {
				if !slices.Contains(wkeys, k) || !slices.Contains(zkeys, k) {
					t.Errorf("%s: %q is not in both; Warren's keys %v", name, k, wkeys)
				}
			}
			continue
		}
		gaps := append(adminGaps[name], adminGaps[aliasOf(name)]...)
		zkeys = slices.DeleteFunc(zkeys, func(k string) bool { return slices.Contains(gaps, k) })
		wkeys = slices.DeleteFunc(wkeys, func(k string) bool { return k == "go.version" })
		if !slices.Equal(wkeys, zkeys) {
			t.Errorf("%s: Warren's keys %v, ZooKeeper's %v", name, wkeys, zkeys)
		}
	}
	// A connection's entry: in full under connections, brief under stats.
	for _, name := range []string{"connections", "stats"} {
		if w, z := connectionKeys(t, wbase, name), connectionKeys(t, zbase, name); !slices.Equal(w, z) {
			t.Errorf("%s: a connection's keys are %v in Warren, %v in ZooKeeper", name, w, z)
		}
	}
	if b := string(httpGet(t, wbase)); !strings.Contains(b, `href="/commands/watches_by_path"`) {
		t.Errorf("the command list lacks watches_by_path:\n%s", b)
	}
}

func aliasOf(name string) string {
	switch name {
	case "envi", "env":
		return "environment"
	}
	return name
}
