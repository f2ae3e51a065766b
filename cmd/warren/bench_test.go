package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/warrenzk/warren/cmd/warren/internal/bench"
	"github.com/warrenzk/warren/core/client"
)

// Short bench runs against a warren node: every request is counted once,
// none fails, and the JSON parses into the result it printed.
func TestBench(t *testing.T) {
	w := startWarren(t, "")
	runJSON := func(args ...string) bench.Result {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := benchMain(append(args, "--addrs", w.Addr+","+w.Addr, "--json"), &out, &errOut); err != nil {
			t.Fatalf("bench %v: %v\n%s", args, err, errOut.String())
		}
		var r bench.Result
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("bench %v printed %q: %v", args, out.String(), err)
		}
		return r
	}

	r := runJSON("load", "--keys", "500", "-c", "4", "-n", "8")
	if r.Requests != 500 || r.Errors != 0 {
		t.Fatalf("load 500: %+v", r)
	}
	c, err := client.Dial(context.Background(), w.Addr, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	kids, err := c.Children(context.Background(), "/warren-bench")
	if err != nil || len(kids) != 500 {
		t.Fatalf("after load 500: %d children, %v", len(kids), err)
	}

	for _, wl := range []string{"create", "set", "get", "exists", "mixed"} {
		r := runJSON(wl, "--keys", "500", "--requests", "2000", "-c", "3", "-n", "16")
		if r.Requests != 2000 || r.Errors != 0 || r.Throughput <= 0 {
			t.Errorf("%s: %+v", wl, r)
		}
		l := r.Latency
		if !(0 < l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max) {
			t.Errorf("%s: latencies out of order: %+v", wl, l)
		}
	}
	// A second load finds every key there: the errors are all NodeExists.
	r = runJSON("load", "--keys", "500", "-c", "2", "-n", "4")
	if r.Requests != 500 || r.Errors != 500 || r.ErrorCodes["zk: node already exists"] != 500 {
		t.Fatalf("second load: %+v", r)
	}

	// A run bounded by time, printed for humans.
	var out bytes.Buffer
	start := time.Now()
	if err := benchMain([]string{"get", "--addrs", w.Addr, "-d", "300ms", "-c", "2", "-n", "4"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 10*time.Second || !strings.Contains(out.String(), "requests ") || !strings.Contains(out.String(), "p99.9") {
		t.Fatalf("human output:\n%s", out.String())
	}
	if err := benchMain([]string{"nope", "--addrs", w.Addr}, &out, &out); err == nil {
		t.Fatal("an unknown workload ran")
	}
}
