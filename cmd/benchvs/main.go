// Command benchvs runs `warren bench` against Apache ZooKeeper 3.8 (the
// Debian package) and Warren side by side on loopback, with the same
// durable settings (forceSync on, one data disk, all 4lw), alternating
// which server goes first in each round, and prints each workload's
// median, spread and the Warren/ZooKeeper ratio against issue 6's target.
//
//	go run ./cmd/benchvs [--rounds 5] [--duration 10s]   (make bench-vs-zookeeper)
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/warrenzk/warren/core/client"
)

// row is one line of issue 6's table: a workload shape and what it judges.
type row struct {
	workload     string
	conns, depth int
	metric       string  // throughput | p50 | p99
	target       float64 // Warren/ZooKeeper ratio to reach
	atLeast      bool    // the ratio must be ≥ target (throughput), else ≤ (latency)
}

var rows = []row{
	{"create", 1, 1, "throughput", 1.4, true},
	{"create", 16, 32, "throughput", 2, true},
	{"create", 16, 32, "p99", 0.5, false},
	{"set", 16, 32, "throughput", 2, true},
	{"set", 16, 32, "p99", 0.5, false},
	{"get", 1, 1, "p50", 0.25, false},
	{"get", 16, 32, "throughput", 2, true},
	{"exists", 16, 32, "throughput", 2, true},
}

// result is the part of `warren bench --json` this command reads.
type result struct {
	Requests   int64   `json:"requests"`
	Errors     int64   `json:"errors"`
	Throughput float64 `json:"throughput"`
	Latency    struct {
		P50 float64 `json:"p50"`
		P99 float64 `json:"p99"`
	} `json:"latency_us"`
}

func (r result) get(metric string) float64 {
	switch metric {
	case "p50":
		return r.Latency.P50
	case "p99":
		return r.Latency.P99
	}
	return r.Throughput
}

type server struct {
	name, addr string
	cmd        *exec.Cmd
	log        *os.File
	done       chan struct{} // closed once the process has exited
}

// options are the command's flags.
type options struct {
	warren, java, classpath, dir string
	rounds                       int
	duration                     time.Duration
	znodes, restarts             int
	settle                       time.Duration
	only                         string // workloads to run, comma separated; empty for all
}

func main() {
	var o options
	flag.StringVar(&o.warren, "warren", "bin/warren", "the warren binary (serves, and runs the bench)")
	flag.StringVar(&o.java, "java", "java", "the java binary")
	flag.StringVar(&o.classpath, "zk-classpath", "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar", "ZooKeeper's class path")
	flag.IntVar(&o.rounds, "rounds", 5, "alternating rounds per workload (0 skips the workloads)")
	flag.StringVar(&o.only, "only", "", "run only these workloads (comma list: create,set,get,exists)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each run")
	flag.IntVar(&o.znodes, "znodes", 1_000_000, "znodes on disk for the memory and start-up rows (0 skips them)")
	flag.IntVar(&o.restarts, "restarts", 5, "alternating restarts for the start-up row")
	flag.DurationVar(&o.settle, "settle", 5*time.Second, "wait after the first read before reading resident memory")
	flag.StringVar(&o.dir, "dir", "", "data directory for both servers (default: a new one under $TMPDIR, removed after)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "benchvs:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	dir := o.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "benchvs-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	kinds := []serverKind{
		{"warren", func(cfg string) *exec.Cmd { return exec.Command(o.warren, "server", "--zoo-cfg", cfg) }},
		{"zookeeper", func(cfg string) *exec.Cmd {
			return exec.Command(o.java, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", o.classpath,
				"org.apache.zookeeper.server.ZooKeeperServerMain", cfg)
		}},
	}
	if err := runWorkloads(o, kinds, dir); err != nil {
		return err
	}
	if o.znodes == 0 {
		return nil
	}
	rec, err := measureRecovery(o.warren, kinds, dir, o.znodes, o.restarts, o.settle)
	if err != nil {
		return err
	}
	printRecovery(rec, o.znodes)
	return nil
}

// runWorkloads runs every row's workload on both servers, alternating.
func runWorkloads(o options, kinds []serverKind, dir string) error {
	if o.rounds == 0 {
		return nil
	}
	var servers []*server
	for _, k := range kinds {
		h, err := newHome(k.name, dir)
		if err != nil {
			return err
		}
		s, err := h.launch(k.command)
		if err != nil {
			return err
		}
		defer s.stop()
		servers = append(servers, s)
	}
	warren, rounds, duration := o.warren, o.rounds, o.duration

	// Warm up both (the JVM compiles its hot paths) and create the keys.
	for _, s := range servers {
		for _, wl := range []string{"create", "get"} {
			if _, err := bench(warren, s, row{workload: wl, conns: 16, depth: 32}, 3*time.Second); err != nil {
				return err
			}
		}
	}
	// results[row index][server index] holds one figure per round.
	type key struct {
		workload     string
		conns, depth int
	}
	runs := map[key][2][]result{}
	var shapes []key
	chosen := rows
	if o.only != "" {
		chosen = slices.DeleteFunc(slices.Clone(rows), func(r row) bool {
			return !slices.Contains(strings.Split(o.only, ","), r.workload)
		})
	}
	for _, r := range chosen {
		k := key{r.workload, r.conns, r.depth}
		if !slices.Contains(shapes, k) {
			shapes = append(shapes, k)
		}
	}
	for round := range rounds {
		for _, k := range shapes {
			for _, i := range order(round) {
				res, err := bench(warren, servers[i], row{workload: k.workload, conns: k.conns, depth: k.depth}, duration)
				if err != nil {
					return err
				}
				v := runs[k]
				v[i] = append(v[i], res)
				runs[k] = v
				fmt.Fprintf(os.Stderr, "round %d %-7s %2dx%-2d %-9s %8.0f/s p50 %6.0fµs p99 %6.0fµs errors %d\n", round+1,
					k.workload, k.conns, k.depth, servers[i].name, res.Throughput, res.Latency.P50, res.Latency.P99, res.Errors)
			}
		}
	}
	fmt.Printf("%d rounds of %s each, alternating; medians [min–max]\n\n", rounds, duration)
	fmt.Println("| workload (100 B values) | metric | Warren | ZooKeeper 3.8 | Warren/ZooKeeper | target | met |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, r := range chosen {
		v := runs[key{r.workload, r.conns, r.depth}]
		w, z := stats(v[0], r.metric), stats(v[1], r.metric)
		ratio := w[1] / z[1]
		met := ratio >= r.target
		cmp := "≥"
		if !r.atLeast {
			met, cmp = ratio <= r.target, "≤"
		}
		fmt.Printf("| %s, %d × %d | %s | %s | %s | %.2f× | %s %.2g× | %s |\n", r.workload, r.conns, r.depth, unit(r.metric),
			show(w, r.metric), show(z, r.metric), ratio, cmp, r.target, map[bool]string{true: "yes", false: "no"}[met])
	}
	return nil
}

// stats returns min, median, max of the metric over the runs.
func stats(rs []result, metric string) [3]float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = r.get(metric)
	}
	return spread(v)
}

// spread returns min, median, max of v, which it sorts.
func spread(v []float64) [3]float64 {
	slices.Sort(v)
	med := v[len(v)/2]
	if len(v)%2 == 0 {
		med = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return [3]float64{v[0], med, v[len(v)-1]}
}

func unit(metric string) string {
	if metric == "throughput" {
		return "requests/s"
	}
	return metric + " latency"
}

func show(s [3]float64, metric string) string {
	f := func(v float64) string {
		if metric == "throughput" {
			return strconv.FormatFloat(v, 'f', 0, 64)
		}
		return strconv.FormatFloat(v, 'f', 0, 64) + " µs"
	}
	return fmt.Sprintf("%s [%s–%s]", f(s[1]), f(s[0]), f(s[2]))
}

// bench runs `warren bench --json` against s; failed requests make the
// figure meaningless, so they are an error.
func bench(warren string, s *server, r row, d time.Duration) (result, error) {
	return runBench(warren, s, r.workload, "-c", strconv.Itoa(r.conns), "-n", strconv.Itoa(r.depth),
		"-d", d.String(), "--value-size", "100", "--keys", "10000")
}

// runBench runs `warren bench workload args... --json` against s.
func runBench(warren string, s *server, workload string, args ...string) (result, error) {
	args = append([]string{"bench", workload, "--addrs", s.addr, "--json"}, args...)
	out, err := exec.Command(warren, args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return result{}, fmt.Errorf("bench %s on %s: %v\n%s", workload, s.name, err, ee.Stderr)
		}
		return result{}, err
	}
	var res result
	if err := json.Unmarshal(out, &res); err != nil {
		return result{}, fmt.Errorf("bench output %q: %w", out, err)
	}
	if res.Errors > 0 {
		return res, fmt.Errorf("bench %s on %s: %d of %d requests failed", workload, s.name, res.Errors, res.Requests)
	}
	return res, nil
}

// order is which server goes first in a round: they alternate.
func order(round int) []int {
	if round%2 == 1 {
		return []int{1, 0}
	}
	return []int{0, 1}
}

// serverKind is how to run one of the two servers on a zoo.cfg.
type serverKind struct {
	name    string
	command func(cfg string) *exec.Cmd
}

// home is one server's directory, zoo.cfg and client address; both servers
// read the same settings.
type home struct {
	name, cfg, addr string
}

func newHome(name, dir string) (*home, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	root := filepath.Join(dir, name)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	h := &home{name: name, cfg: filepath.Join(root, "zoo.cfg"), addr: "127.0.0.1:" + strconv.Itoa(port)}
	err = os.WriteFile(h.cfg, fmt.Appendf(nil, `tickTime=2000
initLimit=10
syncLimit=5
dataDir=%s
clientPortAddress=127.0.0.1
clientPort=%d
4lw.commands.whitelist=*
admin.enableServer=false
maxClientCnxns=0
forceSync=yes
`, filepath.Join(root, "data"), port), 0o644)
	return h, err
}

// spawn starts the server without waiting for it.
func (h *home) spawn(command func(cfg string) *exec.Cmd) (*server, error) {
	log, err := os.OpenFile(filepath.Join(filepath.Dir(h.cfg), "output.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	s := &server{name: h.name, addr: h.addr, cmd: command(h.cfg), log: log, done: make(chan struct{})}
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", h.name, err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	return s, nil
}

// launch starts the server and waits until it serves a read.
func (h *home) launch(command func(cfg string) *exec.Cmd) (*server, error) {
	s, err := h.spawn(command)
	if err != nil {
		return nil, err
	}
	if err := s.awaitRead("/", time.Minute); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// awaitRead waits until the server serves a getData of path. It asks srvr
// first, because ZooKeeper 3.8.0 accepts connections while it loads its
// data and a session attempted then can break its worker threads (a
// NullPointerException in ZooKeeperServer.removeCnxn), while srvr answers
// "not currently serving requests" harmlessly.
func (s *server) awaitRead(path string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var err error
	for !s.exited() && ctx.Err() == nil {
		if err = serving(ctx, s.addr); err == nil {
			if err = read(ctx, s.addr, path); err == nil {
				return nil
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if s.exited() {
		return fmt.Errorf("%s exited; see %s", s.name, s.log.Name())
	}
	return fmt.Errorf("%s on %s did not serve a read within %s (%v); see %s", s.name, s.addr, limit, err, s.log.Name())
}

// serving asks the srvr four-letter word whether the server serves clients.
func serving(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("srvr")); err != nil {
		return err
	}
	out, _ := io.ReadAll(c)
	if !bytes.Contains(out, []byte("Mode: ")) {
		return fmt.Errorf("srvr: %q", bytes.TrimSpace(out))
	}
	return nil
}

// read opens a session on addr and reads path.
func read(ctx context.Context, addr, path string) error {
	c, err := client.Dial(ctx, addr, client.Options{SessionTimeout: 30 * time.Second})
	if err != nil {
		return err
	}
	defer c.Close()
	_, _, err = c.Get(ctx, path)
	return err
}

func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// stop ends the server with SIGTERM (SIGKILL after 30 s) and reaps it.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.log.Close()
}
