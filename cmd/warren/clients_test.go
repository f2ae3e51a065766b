package main

// Real ZooKeeper clients against Warren: kazoo's recipes (Python), zkCli.sh
// (the Java CLI) and cli_mt (the C client). Each runs against Warren and
// against Apache ZooKeeper 3.8; the outputs, normalised, must agree, and
// Warren's must show what a correct server produces.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	systemPython = "/usr/bin/python3"
	zkCliPath    = "/usr/share/zookeeper/bin/zkCli.sh"
	cliMtPath    = "/usr/lib/zookeeper/bin/cli_mt"
)

// requireTool skips the test when a client is not installed, or fails it
// when CI is set (.ci/run installs them).
func requireTool(t *testing.T, what string, check func() error) {
	t.Helper()
	if err := check(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", what, err)
		}
		t.Skipf("%s not installed: %v", what, err)
	}
}

func fileExists(path string) func() error {
	return func() error { _, err := os.Stat(path); return err }
}

// clientEnv is the environment for client processes: no Python or Java
// settings of the caller's, a private HOME, and JVM flags for a quick start.
func clientEnv(t *testing.T) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PYTHON") || strings.HasPrefix(name, "JAVA") ||
			name == "CLIENT_JVMFLAGS" || name == "JVMFLAGS" || name == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+t.TempDir(),
		"CLIENT_JVMFLAGS=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto")
}

// onBoth runs f against Warren and ZooKeeper concurrently. f must not call
// t.Fatal (it runs off the test goroutine); it returns an error instead.
func onBoth[T any](t *testing.T, servers []*node, f func(s *node) (T, error)) (warren, zookeeper T) {
	t.Helper()
	var out [2]T
	var errs [2]error
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = f(s)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", servers[i].Name, err)
		}
	}
	return out[0], out[1]
}

func TestRealClients(t *testing.T) {
	t.Parallel()
	requireZooKeeper(t)
	w, z := startBoth(t, diffServers)
	servers := []*node{w, z}
	t.Run("kazoo", func(t *testing.T) {
		t.Parallel()
		testKazoo(t, servers)
	})
	t.Run("zkCli", func(t *testing.T) {
		t.Parallel()
		testZkCli(t, servers)
	})
	t.Run("cli_mt", func(t *testing.T) {
		t.Parallel()
		testCliMt(t, servers)
	})
}

// kazooSummary is what testdata/kazoo_recipes.py prints.
type kazooSummary struct {
	Results map[string]any `json:"results"`
	Info    map[string]any `json:"info"`
}

func testKazoo(t *testing.T, servers []*node) {
	requireTool(t, "python3-kazoo", func() error {
		return exec.Command(systemPython, "-c", "import kazoo").Run()
	})
	env := clientEnv(t)
	run := func(s *node) (kazooSummary, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, systemPython, filepath.Join("testdata", "kazoo_recipes.py"), s.Addr, "/kazoo")
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return kazooSummary{}, fmt.Errorf("kazoo script: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
		}
		var sum kazooSummary
		if err := json.Unmarshal(out, &sum); err != nil {
			return kazooSummary{}, fmt.Errorf("kazoo summary %q: %v", out, err)
		}
		return sum, nil
	}
	w, z := onBoth(t, servers, run)
	pretty := func(v any) string { b, _ := json.MarshalIndent(v, "  ", "  "); return string(b) }

	// What any correct server must give, checked on Warren's summary.
	want := map[string]any{
		"lock": map[string]any{
			"finished": true, "acquisitions": 9.0, "per_client": []any{3.0, 3.0, 3.0}, "max_concurrent": 1.0,
			"nonblocking_while_held": false, "timeout_while_held": true, "contenders_while_held": []any{"holder"},
			"acquired_after_release": true, "children_left": 0.0,
		},
		"semaphore": map[string]any{"finished": true, "leases": 6.0, "max_concurrent_at_most_2": true},
		"election":  map[string]any{"leaders": []any{0.0, 1.0, 2.0}, "contenders_after": []any{}},
		"barrier": map[string]any{
			"blocked_before_remove": true, "released": []any{true, true}, "double_finished": true,
			"double_entered": []any{0.0, 1.0, 2.0}, "double_left": []any{0.0, 1.0, 2.0},
		},
		"counter": map[string]any{"finished": true, "value": 30.0, "after_minus_5": 25.0, "pre_value": 30.0, "post_value": 25.0},
		"transaction": map[string]any{
			"ok":       []any{"/kazoo/transaction/t1", "/kazoo/transaction/t2", "stat version=1", true, true},
			"failed":   []any{"RolledBackError", "BadVersionError", "RuntimeInconsistency"},
			"children": []any{"t1"},
		},
	}
	for name, v := range want {
		if got := w.Results[name]; !reflect.DeepEqual(got, v) {
			t.Errorf("kazoo %s on Warren:\n  got  %s\n  want %s", name, pretty(got), pretty(v))
		}
	}
	if q, ok := w.Results["queue"].(map[string]any); !ok || q["taken"] != 30.0 || q["taken_distinct"] != 30.0 ||
		!reflect.DeepEqual(q["order"], []any{"urgent", "one", "two", "three"}) {
		t.Errorf("kazoo queue on Warren: %s", pretty(w.Results["queue"]))
	}
	if v, ok := w.Info["server_version"].([]any); !ok || len(v) < 2 {
		t.Errorf("kazoo could not parse Warren's version from envi: %v", w.Info["server_version"])
	}
	if w.Info["root_deleted"] != true {
		t.Errorf("kazoo's recursive delete left the root on Warren")
	}
	if !reflect.DeepEqual(w.Results, z.Results) {
		t.Errorf("kazoo recipes differ:\nwarren:    %s\nzookeeper: %s", pretty(w.Results), pretty(z.Results))
	}
}

// zkCliScript is fed to zkCli.sh on stdin (without a terminal, it reads
// commands line by line). No watches, so no asynchronous event output.
var zkCliScript = strings.Join([]string{
	"create /cli",
	"create /cli/x data",
	"get /cli/x",
	"get -s /cli/x",
	"set /cli/x data2",
	"set -v 0 /cli/x stale",
	"stat /cli/x",
	"create -e /cli/e",
	"create -s /cli/s- seq",
	"create -s /cli/s- seq",
	"create -c /cli/c",
	"create -t 600000 /cli/t ttl",
	"create /cli/x again",
	"ls /cli",
	"ls -s /cli",
	"ls -R /cli",
	"stat /cli/e",
	"getAcl /cli/x",
	"setAcl /cli/x world:anyone:r",
	"getAcl /cli/x",
	"set /cli/x denied",
	"getEphemerals /cli",
	"getAllChildrenNumber /cli",
	"sync /cli",
	"delete /cli/x",
	"delete /cli",
	"deleteall /cli",
	"ls /cli",
	"get /missing",
	"quit",
}, "\n") + "\n"

var (
	zkCliDropRE = regexp.MustCompile(`^(SLF4J:|WATCHER::|WatchedEvent |Connecting to |Welcome to ZooKeeper|JLine support|[cm]time = )`)
	zkCliZxidRE = regexp.MustCompile(`^([cmp]Zxid = )(0x[0-9a-f]+)$`)
	zkCliOwner  = regexp.MustCompile(`^ephemeralOwner = 0x[0-9a-f]*[1-9a-f][0-9a-f]*$`)
)

// normalizeZkCli drops start-up noise and times, ranks zxids and hides
// session ids, so that outputs from two servers can be compared.
func normalizeZkCli(out string) []string {
	var lines []string
	zxids := map[int64]bool{}
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimRight(l, "\r ")
		if l == "" || zkCliDropRE.MatchString(l) {
			continue
		}
		if m := zkCliZxidRE.FindStringSubmatch(l); m != nil {
			z, _ := strconv.ParseInt(m[2][2:], 16, 64)
			zxids[z] = true
			l = m[1] + zxidMark(z)
		}
		if zkCliOwner.MatchString(l) {
			l = "ephemeralOwner = SESSION"
		}
		lines = append(lines, l)
	}
	tr := &transcript{lines: lines}
	return tr.finish()
}

// runZkCli runs zkCli.sh against s with args and stdin, bounded.
func runZkCli(s *node, env []string, stdin string, args ...string) (string, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, zkCliPath, append([]string{"-server", s.Addr}, args...)...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	// zkCli.sh runs java as a child: end them both on timeout.
	cmd.SysProcAttr = newProcessGroup()
	cmd.Cancel = func() error { return killProcessGroup(cmd) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return string(out), -1, fmt.Errorf("zkCli.sh %v timed out:\n%s", args, out)
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		return string(out), -1, err
	}
	return string(out), code, nil
}

func testZkCli(t *testing.T, servers []*node) {
	requireTool(t, "zkCli.sh (zookeeper)", fileExists(zkCliPath))
	env := clientEnv(t)
	type result struct {
		script     []string
		raw        string
		singles    []string // "args → exit code: last line"
		singleRaws []string
	}
	singles := [][]string{
		{"create", "/cli-single", "one"},
		{"get", "/cli-single"},
		{"create", "/cli-single", "two"},
		{"get", "/cli-missing"},
		{"delete", "/cli-single"},
	}
	w, z := onBoth(t, servers, func(s *node) (result, error) {
		out, _, err := runZkCli(s, env, zkCliScript)
		if err != nil {
			return result{}, err
		}
		r := result{script: normalizeZkCli(out), raw: out}
		for _, args := range singles {
			out, code, err := runZkCli(s, env, "", args...)
			if err != nil {
				return result{}, err
			}
			lines := normalizeZkCli(out)
			last := ""
			if len(lines) > 0 {
				last = lines[len(lines)-1]
			}
			r.singles = append(r.singles, fmt.Sprintf("%v → exit %d: %s", args, code, last))
			r.singleRaws = append(r.singleRaws, out)
		}
		return r, nil
	})

	// Spot checks of Warren's output, then the full comparison.
	for _, want := range []string{
		"Created /cli/x", "data", "dataVersion = 1", "version No is not valid : /cli/x",
		"Created /cli/s-0000000002", "Created /cli/s-0000000003", "Created /cli/c", "Created /cli/t",
		"Node already exists: /cli/x", "[c, e, s-0000000002, s-0000000003, t, x]", "/cli/s-0000000003",
		"'world,'anyone", ": r", "Insufficient permission : /cli/x",
		"[/cli/e]", "6", "Sync is OK", "Node not empty: /cli", "Node does not exist: /cli",
		"Node does not exist: /missing", "ephemeralOwner = SESSION", "dataVersion = 1",
	} {
		if !slices.Contains(w.script, want) {
			t.Errorf("zkCli output on Warren lacks the line %q", want)
		}
	}
	wantSingles := []string{
		"[create /cli-single one] → exit 0: Created /cli-single",
		"[get /cli-single] → exit 0: one",
		"[create /cli-single two] → exit 1: Node already exists: /cli-single",
		"[get /cli-missing] → exit 1: Node does not exist: /cli-missing",
		"[delete /cli-single] → exit 0: ",
	}
	if !slices.Equal(w.singles, wantSingles) {
		t.Errorf("zkCli single commands on Warren:\n  got  %q\n  want %q", w.singles, wantSingles)
	}
	if !slices.Equal(w.script, z.script) || !slices.Equal(w.singles, z.singles) {
		t.Errorf("zkCli output differs:\n%s\nsingle commands:\n%s",
			sideBySide(w.script, z.script, diffMarks(w.script, z.script)),
			sideBySide(w.singles, z.singles, diffMarks(w.singles, z.singles)))
		t.Logf("raw Warren output:\n%s", w.raw)
	}
}

// diffMarks marks the lines where a and b differ.
func diffMarks(a, b []string) []string {
	marks := make([]string, max(len(a), len(b)))
	for i := range marks {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			marks[i] = "≠"
		}
	}
	return marks
}

// cliMtCommands are typed into cli_mt one at a time. cli_mt's create always
// stores the data "new"; get sets a watch, so a later set also prints the
// watch event.
var cliMtCommands = []string{
	"create /cmt",
	"get /cmt",
	"set /cmt world",
	"get /cmt",
	"create +e /cmt/e1",
	"create +s /cmt/s-",
	"create +s /cmt/s-",
	"ls /cmt",
	"ls2 /cmt",
	"exists /cmt",
	"delete /cmt/e1",
	"ls /cmt",
	"get /missing",
	"delete /cmt",
	"create /cmt",
	"sync /cmt",
}

var (
	cliMtDropRE = regexp.MustCompile(`^(time = |Got a new session id|\s*[cm]time ?=|Watcher SESSION_EVENT)`)
	cliMtChild  = regexp.MustCompile(`^\t[^=\s]+$`)
	cliMtZxidRE = regexp.MustCompile(`^(\s*[cm]zxid=)([0-9a-f]+)$`)
	cliMtOwner  = regexp.MustCompile(`^(\s*ephemeralOwner = )([0-9a-f]+)$`)
)

// cliMt drives a cli_mt process. cli_mt runs most commands asynchronously
// and prints their completions from its completion thread, in reply order;
// after each command the driver sends an asynchronous delete of a missing
// sentinel path and waits for that completion's one line, so that every
// line the command caused has been printed.
type cliMt struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

func startCliMt(s *node, env []string) (*cliMt, error) {
	cmd := exec.Command(cliMtPath, s.Addr)
	cmd.Env = env
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = w, w
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	w.Close()
	c := &cliMt{cmd: cmd, stdin: stdin, lines: make(chan string, 1024)}
	go func() {
		defer close(c.lines)
		defer r.Close()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	return c, nil
}

// until collects lines until one equals end, or limit passes.
func (c *cliMt) until(end string, limit time.Duration) ([]string, error) {
	var got []string
	timeout := time.After(limit)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				return got, fmt.Errorf("cli_mt exited; output so far: %q", got)
			}
			if strings.TrimSpace(l) == end {
				return got, nil
			}
			got = append(got, l)
		case <-timeout:
			return got, fmt.Errorf("no %q within %v; output so far: %q", end, limit, got)
		}
	}
}

func (c *cliMt) stop() {
	c.stdin.Close()
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}

func runCliMt(s *node, env []string) ([]string, error) {
	c, err := startCliMt(s, env)
	if err != nil {
		return nil, err
	}
	defer c.stop()
	if _, err := c.until("Watcher SESSION_EVENT state = CONNECTED_STATE", 15*time.Second); err != nil {
		return nil, err
	}
	var out []string
	for i, command := range cliMtCommands {
		sentinel := fmt.Sprintf("/cli-mt-sentinel-%d", i)
		if _, err := fmt.Fprintf(c.stdin, "%s\ndelete %s\n", command, sentinel); err != nil {
			return nil, err
		}
		lines, err := c.until(sentinel+": rc = -101", 10*time.Second)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", command, err)
		}
		out = append(out, "> "+command)
		var kids []string // children are listed in the server's order: sort them
		flush := func() {
			slices.Sort(kids)
			out = append(out, kids...)
			kids = nil
		}
		for _, l := range lines {
			if cliMtDropRE.MatchString(l) || strings.TrimSpace(l) == "" {
				continue
			}
			if cliMtChild.MatchString(l) {
				kids = append(kids, l)
				continue
			}
			flush()
			if m := cliMtZxidRE.FindStringSubmatch(l); m != nil {
				z, _ := strconv.ParseInt(m[2], 16, 64)
				l = m[1] + zxidMark(z)
			}
			if m := cliMtOwner.FindStringSubmatch(l); m != nil && m[2] != "0" {
				l = m[1] + "SESSION"
			}
			out = append(out, l)
		}
		flush()
	}
	fmt.Fprintln(c.stdin, "quit")
	return (&transcript{lines: out}).finish(), nil
}

func testCliMt(t *testing.T, servers []*node) {
	requireTool(t, "cli_mt (zookeeper-bin)", fileExists(cliMtPath))
	env := clientEnv(t)
	w, z := onBoth(t, servers, func(s *node) ([]string, error) { return runCliMt(s, env) })
	for _, want := range []string{
		"[/cmt]: rc = 0", "\tname = /cmt", "new", "world", "/cmt: rc = 0 Stat:",
		"\tname = /cmt/s-0000000001", "\tname = /cmt/s-0000000002", "\te1",
		"/cmt/e1: rc = 0", "/missing: rc = -101", "/cmt: rc = -111",
		"Watcher CHANGED_EVENT state = CONNECTED_STATE for path /cmt",
		"\tephemeralOwner = 0", "[/cmt]: rc = -110",
	} {
		if !slices.Contains(w, want) {
			t.Errorf("cli_mt output on Warren lacks the line %q", want)
		}
	}
	if !slices.Equal(w, z) {
		t.Errorf("cli_mt output differs:\n%s", sideBySide(w, z, diffMarks(w, z)))
	}
}
