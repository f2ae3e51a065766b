package main

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"go.yaml.in/yaml/v3"
)

const alertRules = "../../configs/warren-alerts.yml"

// ruleExprs reads the expr of every rule in a Prometheus rule file.
func ruleExprs(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Rules []struct {
				Expr string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	var exprs []string
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	return exprs
}

var (
	// promqlNoise is what is not a metric name: strings, label matchers,
	// range and offset durations, grouping clauses.
	promqlNoise = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|\{[^}]*\}|\[[^\]]*\]|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promqlIdent = regexp.MustCompile(`[0-9][0-9a-zA-Z_.]*|[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	promqlWords = []string{"and", "or", "unless", "bool", "offset", "inf", "nan"}
)

// metricNames returns the series a PromQL expression reads: identifiers
// that are neither functions, aggregations nor keywords. It knows the
// subset of PromQL a rule file of ours uses, which the test keeps true by
// failing on a name the scrape lacks.
func metricNames(expr string) []string {
	var names []string
	for _, m := range promqlIdent.FindAllStringSubmatch(promqlNoise.ReplaceAllString(expr, " "), -1) {
		if m[1] != "" || m[0][0] <= '9' || slices.Contains(promqlWords, strings.ToLower(m[0])) {
			continue // a function or aggregation call, a number or duration, a keyword
		}
		names = append(names, m[0])
	}
	return names
}

func TestMetricNames(t *testing.T) {
	got := metricNames(`histogram_quantile(0.99, sum by (instance, le) (rate(a_bucket{op!~"ping|x"}[5m]))) > 0.5 and b / c{d="e"} offset 1h`)
	if want := []string{"a_bucket", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("metricNames = %v, want %v", got, want)
	}
}

// TestAlertRules checks configs/warren-alerts.yml with promtool, and that
// every series its rules read is one a running node exports (or up, which
// Prometheus adds itself), so that no alert waits on a series that never
// comes.
func TestAlertRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool is required in CI (apt-get install prometheus)")
		}
		t.Skip("promtool not installed (apt-get install prometheus)")
	}
	if out, err := exec.Command(promtool, "check", "rules", alertRules).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules %s: %v\n%s", alertRules, err, out)
	}

	port := freePort(t)
	w := startWarren(t, fmt.Sprintf("metrics: {enabled: true, http_host: 127.0.0.1, http_port: %d}\nserver: {snap_count: 2}", port))
	c := connectZK(t, w.Addr, 10*time.Second)
	for i := range 4 { // enough writes for a log sync and a snapshot
		if _, err := c.Create("/a"+strconv.Itoa(i), nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	// The snapshot histogram has a series once a snapshot is written.
	var text string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		text = string(httpGet(t, "http://127.0.0.1:"+strconv.Itoa(port)+"/metrics"))
		if strings.Contains(text, "warren_storage_snapshot_duration_seconds_count") || time.Now().After(deadline) {
			break
		}
	}

	exported := func(name string) bool {
		base := name
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			base = strings.TrimSuffix(base, suffix)
			if base != name {
				break
			}
		}
		return strings.Contains(text, "# TYPE "+name+" ") || strings.Contains(text, "# TYPE "+base+" ")
	}
	for _, expr := range ruleExprs(t, alertRules) {
		names := metricNames(expr)
		if len(names) == 0 {
			t.Errorf("found no series in %q", expr)
		}
		for _, n := range names {
			if n != "up" && !exported(n) {
				t.Errorf("%s reads %s, which Warren does not export", strings.TrimSpace(expr), n)
			}
		}
	}
}
