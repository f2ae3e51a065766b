// Package bench is the load generator behind `warren bench`: N pipelined
// connections with M requests in flight each, spread over any number of
// ZooKeeper-compatible servers, measuring throughput and latency.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warrenzk/warren/core/client"
	"github.com/warrenzk/warren/core/proto"
)

// Workloads Run knows.
var Workloads = []string{"create", "set", "get", "exists", "mixed", "load"}

// Config describes one run. Zero fields take the defaults Run documents.
type Config struct {
	Addrs     []string      // servers, connections spread over them in turn
	Conns     int           // connections (default 1)
	InFlight  int           // requests in flight per connection (default 1)
	Workload  string        // one of Workloads
	ValueSize int           // bytes per value written (default 100)
	Keys      int           // znodes read and written by set/get/exists/mixed, and created by load (default 1000)
	Duration  time.Duration // how long to run (default 10s unless Requests is set)
	Requests  int64         // stop after this many requests (0: Duration alone)
	Root      string        // parent of every znode the run uses (default /warren-bench)
	Progress  io.Writer     // receives a progress line each second; nil for none
}

// Result is what a run measured. Latencies are in microseconds.
type Result struct {
	Workload   string           `json:"workload"`
	Addrs      []string         `json:"addrs"`
	Conns      int              `json:"conns"`
	InFlight   int              `json:"in_flight"`
	ValueSize  int              `json:"value_size"`
	Requests   int64            `json:"requests"` // completed, failed ones included
	Errors     int64            `json:"errors"`
	ErrorCodes map[string]int64 `json:"error_codes,omitempty"`
	Seconds    float64          `json:"seconds"`
	Throughput float64          `json:"throughput"` // requests per second
	Latency    Latency          `json:"latency_us"`
}

// Latency holds latency quantiles in microseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

func (c *Config) defaults() error {
	if len(c.Addrs) == 0 {
		return errors.New("no server address")
	}
	c.Conns = max(c.Conns, 1)
	c.InFlight = max(c.InFlight, 1)
	if c.ValueSize < 0 {
		return errors.New("negative value size")
	}
	if c.ValueSize == 0 {
		c.ValueSize = 100
	}
	if c.Keys <= 0 {
		c.Keys = 1000
	}
	if c.Root == "" {
		c.Root = "/warren-bench"
	}
	if c.Workload == "load" && c.Requests == 0 {
		c.Requests = int64(c.Keys)
	}
	if c.Duration <= 0 && c.Requests == 0 {
		c.Duration = 10 * time.Second
	}
	for _, w := range Workloads {
		if w == c.Workload {
			return nil
		}
	}
	return fmt.Errorf("unknown workload %q (want one of %v)", c.Workload, Workloads)
}

// Run connects, prepares the znodes the workload needs (the root, and the
// keys for set/get/exists/mixed, created if missing and not measured),
// runs the workload and returns what it measured. Request errors are
// counted, not returned; an error means the run could not take place.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.defaults(); err != nil {
		return Result{}, err
	}
	conns := make([]*client.Conn, 0, cfg.Conns)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range cfg.Conns {
		addr := cfg.Addrs[i%len(cfg.Addrs)]
		c, err := client.Dial(ctx, addr, client.Options{MaxInFlight: cfg.InFlight})
		if err != nil {
			return Result{}, err
		}
		conns = append(conns, c)
	}
	value := make([]byte, cfg.ValueSize)
	for i := range value {
		value[i] = 'a' + byte(i%26)
	}
	if _, err := conns[0].Create(ctx, cfg.Root, nil, proto.ModePersistent, nil); err != nil && !errors.Is(err, proto.ErrNodeExists) {
		return Result{}, fmt.Errorf("create %s: %w", cfg.Root, err)
	}
	keys := make([]string, cfg.Keys)
	for i := range keys {
		keys[i] = cfg.Root + "/k" + strconv.Itoa(i)
	}
	switch cfg.Workload {
	case "set", "get", "exists", "mixed":
		pre := cfg
		pre.Workload, pre.Requests, pre.Duration, pre.Progress = "load", int64(cfg.Keys), 0, nil
		res := run(ctx, pre, conns, keys, value, "")
		if n := res.Errors - res.ErrorCodes[proto.ErrNodeExists.Error()]; n > 0 {
			return Result{}, fmt.Errorf("creating the %d keys: %d errors %v", cfg.Keys, n, res.ErrorCodes)
		}
	}
	prefix := ""
	if cfg.Workload == "create" {
		// A parent of the run's own, so that runs against one server never collide.
		prefix = fmt.Sprintf("%s/c%x", cfg.Root, time.Now().UnixNano())
		if _, err := conns[0].Create(ctx, prefix, nil, proto.ModePersistent, nil); err != nil {
			return Result{}, fmt.Errorf("create %s: %w", prefix, err)
		}
	}
	return run(ctx, cfg, conns, keys, value, prefix), nil
}

// runner is the state of one measured phase shared by its workers.
type runner struct {
	cfg      Config
	keys     []string
	value    []byte
	prefix   string // parent of created znodes (create)
	deadline time.Time
	issued   atomic.Int64
	done     atomic.Int64
	errs     atomic.Int64
	ctx      context.Context
}

// next hands out the number of the next request to send, or false once
// the run is over.
func (r *runner) next() (int64, bool) {
	if r.ctx.Err() != nil || (!r.deadline.IsZero() && time.Now().After(r.deadline)) {
		return 0, false
	}
	n := r.issued.Add(1)
	return n - 1, r.cfg.Requests == 0 || n <= r.cfg.Requests
}

func run(ctx context.Context, cfg Config, conns []*client.Conn, keys []string, value []byte, prefix string) Result {
	r := &runner{cfg: cfg, keys: keys, value: value, prefix: prefix, ctx: ctx}
	start := time.Now()
	if cfg.Duration > 0 {
		r.deadline = start.Add(cfg.Duration)
	}
	stopProgress := r.progress(start)
	workers := make([]*worker, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		workers[i] = newWorker(r, c, i)
		wg.Go(workers[i].loop)
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopProgress()

	var h Histogram
	res := Result{
		Workload: cfg.Workload, Addrs: cfg.Addrs, Conns: cfg.Conns, InFlight: cfg.InFlight,
		ValueSize: cfg.ValueSize, Seconds: elapsed.Seconds(),
	}
	for _, w := range workers {
		h.Merge(&w.hist)
		for code, n := range w.errs {
			if res.ErrorCodes == nil {
				res.ErrorCodes = map[string]int64{}
			}
			res.ErrorCodes[code.Error()] += n
			res.Errors += n
		}
	}
	res.Requests = int64(h.Count())
	res.Throughput = float64(res.Requests) / elapsed.Seconds()
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	res.Latency = Latency{
		P50: us(h.Quantile(0.5)), P90: us(h.Quantile(0.9)), P99: us(h.Quantile(0.99)),
		P999: us(h.Quantile(0.999)), Max: us(h.Max()),
	}
	return res
}

// progress prints a line each second to cfg.Progress until the returned
// function is called, which clears the line.
func (r *runner) progress(start time.Time) func() {
	if r.cfg.Progress == nil {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		last, lastAt := int64(0), start
		for {
			select {
			case <-quit:
				fmt.Fprint(r.cfg.Progress, "\r\033[K")
				return
			case now := <-t.C:
				n := r.done.Load()
				fmt.Fprintf(r.cfg.Progress, "\r\033[K%s %5.0fs  %d requests  %.0f/s  %d errors",
					r.cfg.Workload, now.Sub(start).Seconds(), n, float64(n-last)/now.Sub(lastAt).Seconds(), r.errs.Load())
				last, lastAt = n, now
			}
		}
	})
	return func() { close(quit); wg.Wait() }
}
