package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/warrenzk/warren/cmd/warren/internal/bench"
)

// runBench is `warren bench WORKLOAD [flags]`: load on any
// ZooKeeper-compatible servers, reported as text or JSON on stdout.
func runBench(args []string) error {
	return benchMain(args, os.Stdout, os.Stderr)
}

func benchMain(args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("warren bench", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: warren bench %s [flags]\n\n", strings.Join(bench.Workloads, "|"))
		fs.PrintDefaults()
	}
	var cfg bench.Config
	addrs := fs.String("addrs", "127.0.0.1:2181", "comma-separated server `addresses`; connections are spread over them")
	fs.IntVarP(&cfg.Conns, "conns", "c", 16, "connections")
	fs.IntVarP(&cfg.InFlight, "in-flight", "n", 32, "requests in flight per connection")
	fs.IntVar(&cfg.ValueSize, "value-size", 100, "`bytes` per value written")
	fs.IntVar(&cfg.Keys, "keys", 1000, "znodes read and written by set/get/exists/mixed; created by load")
	fs.DurationVarP(&cfg.Duration, "duration", "d", 0, "how long to run (default 10s unless --requests is given)")
	fs.Int64Var(&cfg.Requests, "requests", 0, "stop after this many requests")
	fs.StringVar(&cfg.Root, "root", "/warren-bench", "parent `path` of every znode the run uses")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if help, err := parseTool(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("bench: want one workload, got %d arguments", fs.NArg())
	}
	cfg.Workload = fs.Arg(0)
	cfg.Addrs = strings.Split(*addrs, ",")
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		cfg.Progress = stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printBench(stdout, res)
	return nil
}

func printBench(w io.Writer, r bench.Result) {
	fmt.Fprintf(w, "workload   %s: %d connections x %d in flight, %d-byte values, %s\n",
		r.Workload, r.Conns, r.InFlight, r.ValueSize, strings.Join(r.Addrs, ","))
	fmt.Fprintf(w, "requests   %d in %.2fs: %.0f/s\n", r.Requests, r.Seconds, r.Throughput)
	fmt.Fprintf(w, "errors     %d", r.Errors)
	for code, n := range r.ErrorCodes {
		fmt.Fprintf(w, "  [%s: %d]", code, n)
	}
	fmt.Fprintln(w)
	l := r.Latency
	fmt.Fprintf(w, "latency    p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n",
		usec(l.P50), usec(l.P90), usec(l.P99), usec(l.P999), usec(l.Max))
}

// usec prints microseconds as µs below a millisecond, ms above.
func usec(v float64) string {
	if v < 1000 {
		return fmt.Sprintf("%.0fµs", v)
	}
	return fmt.Sprintf("%.2fms", v/1000)
}
