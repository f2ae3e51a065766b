package main

// The harness starts real servers for the tests of this package: the warren
// binary built once by TestMain, and Apache ZooKeeper 3.8 from the Debian
// package for the differential tests. Servers listen on 127.0.0.1 only, on
// free ports, with their data in the test's temporary directory; every wait
// is bounded, and only processes the harness started are ever signalled.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.yaml.in/yaml/v3"
)

// warrenBin is the warren binary TestMain built for this test run.
var warrenBin string

// raceEnabled is set by race_test.go when the tests run with -race; the
// binary under test is then built with -race too, so that a data race in a
// server makes its exit status non-zero and the test that stopped it fail.
var raceEnabled bool

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "warren-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "temp dir for the warren binary:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	warrenBin = filepath.Join(dir, "warren")
	args := []string{"build", "-o", warrenBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	// The test runs in the package directory, so "." is cmd/warren.
	if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build warren: %v\n%s", err, out)
		return 1
	}
	code := m.Run()
	if code == 0 {
		// go-zookeeper leaves its loops running for a moment after Close.
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			return 1
		}
	}
	return code
}

// syncBuffer collects a child's output; exec copies into it from its own
// goroutine while tests read it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// tail returns at most the last n bytes of the output.
func (s *syncBuffer) tail(n int) string {
	out := s.String()
	if len(out) > n {
		return "...\n" + out[len(out)-n:]
	}
	return out
}

// proc is a child process started by the harness, in its own process group.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer // stdout and stderr

	done    chan struct{} // closed once the process has been reaped
	waitErr error         // Wait's result, valid after done
	stopped sync.Once
}

// startProc starts cmd in a new process group with its output collected.
func startProc(name string, cmd *exec.Cmd) (*proc, error) {
	p := &proc{name: name, cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// killGroup sends SIGKILL to the process group, but only while the leader
// has not been reaped: until then its pid, and so the group id, cannot
// belong to anyone else.
func (p *proc) killGroup() {
	if !p.exited() {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// terminate sends sig, waits up to grace for the process to end, then kills
// its process group. It returns Wait's result, or an error if the process
// needed killing.
func (p *proc) terminate(sig syscall.Signal, grace time.Duration) error {
	var err error
	p.stopped.Do(func() {
		if !p.exited() {
			_ = p.cmd.Process.Signal(sig)
		}
		select {
		case <-p.done:
			err = p.waitErr
			return
		case <-time.After(grace):
		}
		p.killGroup()
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
		}
		err = fmt.Errorf("%s did not exit within %v of %v; killed", p.name, grace, sig)
	})
	return err
}

// exitCode waits up to limit for the process to end by itself and returns
// its exit status.
func (p *proc) exitCode(limit time.Duration) (int, error) {
	select {
	case <-p.done:
	case <-time.After(limit):
		p.killGroup()
		<-p.done
		return -1, fmt.Errorf("%s still running after %v; killed", p.name, limit)
	}
	var ee *exec.ExitError
	if errors.As(p.waitErr, &ee) {
		return ee.ExitCode(), nil
	}
	if p.waitErr != nil {
		return -1, p.waitErr
	}
	return 0, nil
}

// node is a running Warren or ZooKeeper node.
type node struct {
	Name    string // "warren" or "zookeeper"
	Addr    string // 127.0.0.1:port
	DataDir string
	p       *proc
}

// Stop ends the server as an operator would (SIGTERM for Warren) and returns
// the process's exit error, nil for a clean exit. Cleanup calls it too.
func (s *node) Stop() error {
	if s.Name == "zookeeper" {
		s.p.killGroup()
		<-s.p.done
		return nil
	}
	return s.p.terminate(syscall.SIGTERM, 10*time.Second)
}

// Kill ends the server with SIGKILL, as a crash would, and waits for it.
func (s *node) Kill() {
	s.p.stopped.Do(func() {
		s.p.killGroup()
		<-s.p.done
	})
}

// Output returns what the server has written to stdout and stderr so far.
func (s *node) Output() string { return s.p.out.String() }

// freePort returns a port that was free on 127.0.0.1 a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	port, err := pickPort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func pickPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// fourLetter sends a four-letter word and returns everything the server
// writes before it closes the connection.
func fourLetter(addr, word string, limit time.Duration) (string, error) {
	nc, err := net.DialTimeout("tcp", addr, limit)
	if err != nil {
		return "", err
	}
	defer nc.Close()
	if err := nc.SetDeadline(time.Now().Add(limit)); err != nil {
		return "", err
	}
	if _, err := io.WriteString(nc, word); err != nil {
		return "", err
	}
	b, err := io.ReadAll(nc)
	return string(b), err
}

// waitReady polls until the server answers ruok with imok and srvr with its
// mode (ZooKeeper answers imok before it serves requests, and srvr "not
// currently serving requests"), the process exits or limit passes.
func waitReady(p *proc, addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		if out, _ := fourLetter(addr, "ruok", time.Second); out == "imok" {
			if out, _ := fourLetter(addr, "srvr", time.Second); strings.Contains(out, "Mode: ") {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before answering ruok on %s: %v", p.name, addr, p.waitErr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer ruok on %s within %v", p.name, addr, limit)
		}
	}
}

// baseWarrenYAML is what every startWarren node runs with: all four-letter
// words (the harness polls ruok), quiet logs, and the super user of
// zooKeeperJVMFlags (password "test").
const baseWarrenYAML = `
server:
  four_letter_words: ["*"]
auth:
  super_digest: "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
admin:
  enable_server: false # on by default, on port 8080, which parallel tests would share
log:
  level: warn
`

// mergeYAML deep-merges the YAML documents, later keys winning, and returns
// the result as YAML.
func mergeYAML(docs ...string) (string, error) {
	merged := map[string]any{}
	for _, doc := range docs {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			return "", fmt.Errorf("parse YAML %q: %w", doc, err)
		}
		mergeMaps(merged, m)
	}
	out, err := yaml.Marshal(merged)
	return string(out), err
}

func mergeMaps(dst, src map[string]any) {
	for k, v := range src {
		if sv, ok := v.(map[string]any); ok {
			if dv, ok := dst[k].(map[string]any); ok {
				mergeMaps(dv, sv)
				continue
			}
		}
		dst[k] = v
	}
}

// startWarren runs bin/warren with baseWarrenYAML merged with extraYAML on a
// free loopback port and a temporary data dir, waits until it answers ruok,
// and stops it with SIGTERM when the test ends, failing the test if it does
// not then exit cleanly. Its output goes to the test log if the test fails.
func startWarren(t testing.TB, extraYAML string) *node {
	t.Helper()
	return startWarrenIn(t, extraYAML, t.TempDir())
}

// startWarrenIn is startWarren with its config and data under dir, so that a
// node can be restarted on the data a previous one left.
func startWarrenIn(t testing.TB, extraYAML, dir string) *node {
	t.Helper()
	cfg, err := mergeYAML(baseWarrenYAML, extraYAML)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "warren.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(dir, "data")
	var lastErr error
	// A free port can be taken between freePort and the bind; try again then.
	for attempt := 0; attempt < 3; attempt++ {
		addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
		p, err := startProc("warren", warrenCommand("server",
			"--config", cfgPath, "--client-addr", addr, "--data-dir", dataDir))
		if err != nil {
			t.Fatal(err)
		}
		s := &node{Name: "warren", Addr: addr, DataDir: dataDir, p: p}
		if lastErr = waitReady(p, addr, 15*time.Second); lastErr == nil {
			t.Cleanup(func() {
				if err := s.Stop(); err != nil {
					t.Errorf("warren on %s did not stop cleanly after SIGTERM: %v", addr, err)
				}
				if t.Failed() {
					t.Logf("warren %s output:\n%s", addr, p.out.tail(16<<10))
				}
			})
			return s
		}
		p.terminate(syscall.SIGKILL, time.Second)
		if !strings.Contains(p.out.String(), "address already in use") {
			t.Fatalf("%v\noutput:\n%s", lastErr, p.out.tail(16<<10))
		}
	}
	t.Fatalf("warren: %v", lastErr)
	return nil
}

// zooKeeperClasspath is the class path of the Debian package's ZooKeeper
// (zookeeper.jar names its dependencies in its manifest) plus slf4j-simple so
// that its warnings reach our output, and the servlet API, which its
// manifest forgets and its AdminServer needs.
var zooKeeperClasspath = "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar:/usr/share/java/servlet-api.jar"

// zooKeeperJVMFlags are the JVM options of every ZooKeeper the tests start:
// TTL nodes on and a container sweep every second as in the captures, the
// super user with password "test" (as baseWarrenYAML), and a quick start.
var zooKeeperJVMFlags = []string{
	"-Dzookeeper.extendedTypesEnabled=true",
	"-Dzookeeper.DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=",
	"-Dznode.container.checkIntervalMs=1000",
	"-Xmx256m",
	"-XX:+UseSerialGC",
	"-XX:TieredStopAtLevel=1",
	"-XX:-UsePerfData",
	"-Djava.net.preferIPv4Stack=true",
	"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
}

// requireZooKeeper skips the test with -short or when Java or the ZooKeeper
// package is missing; when CI is set a missing package fails the test
// instead, since CI must install it.
func requireZooKeeper(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: not starting Apache ZooKeeper")
	}
	java, err := exec.LookPath("java")
	if err == nil {
		_, err = os.Stat("/usr/share/java/zookeeper.jar")
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Apache ZooKeeper 3.8 and Java are required in CI (apt-get install zookeeper): %v", err)
		}
		t.Skipf("Apache ZooKeeper or Java not installed: %v", err)
	}
	return java
}

// startZooKeeper runs Apache ZooKeeper 3.8 standalone on a free loopback
// port with tickTime 2000 and its own data dir, waits for ruok, and kills
// its process group when the test ends.
func startZooKeeper(t testing.TB) *node {
	t.Helper()
	java := requireZooKeeper(t)
	s, err := launchZooKeeper(java, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopZooKeeper(t, s) })
	return s
}

func stopZooKeeper(t testing.TB, s *node) {
	s.Stop()
	if t.Failed() {
		t.Logf("zookeeper %s output:\n%s", s.Addr, s.p.out.tail(16<<10))
	}
}

// launchZooKeeper starts ZooKeeper with its files under dir and waits until
// it answers ruok. It does not touch a testing.T, so it may run on any
// goroutine.
func launchZooKeeper(java, dir string) (*node, error) {
	return launchZooKeeperWith(java, dir, "admin.enableServer=false\n")
}

// launchZooKeeperWith is launchZooKeeper with extra zoo.cfg lines.
func launchZooKeeperWith(java, dir, extraCfg string) (*node, error) {
	dataDir := filepath.Join(dir, "data")
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := pickPort()
		if err != nil {
			return nil, err
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		cfg := fmt.Sprintf(`tickTime=2000
initLimit=10
syncLimit=5
dataDir=%s
clientPortAddress=127.0.0.1
clientPort=%d
4lw.commands.whitelist=*
maxClientCnxns=0
forceSync=no
`, dataDir, port) + extraCfg
		cfgPath := filepath.Join(dir, "zoo.cfg")
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
			return nil, err
		}
		args := append(append([]string{}, zooKeeperJVMFlags...),
			"-cp", zooKeeperClasspath, "org.apache.zookeeper.server.ZooKeeperServerMain", cfgPath)
		p, err := startProc("zookeeper", exec.Command(java, args...))
		if err != nil {
			return nil, err
		}
		s := &node{Name: "zookeeper", Addr: addr, DataDir: dataDir, p: p}
		if lastErr = waitReady(p, addr, 60*time.Second); lastErr == nil {
			return s, nil
		}
		p.killGroup()
		<-p.done
		if !strings.Contains(p.out.String(), "Address already in use") {
			return nil, fmt.Errorf("%w\noutput:\n%s", lastErr, p.out.tail(16<<10))
		}
	}
	return nil, lastErr
}

// startBoth starts Warren (with extraYAML) and ZooKeeper; the JVM starts on
// its own goroutine meanwhile, as it takes a few seconds.
func startBoth(t *testing.T, extraYAML string) (w, z *node) {
	t.Helper()
	java := requireZooKeeper(t)
	type launched struct {
		s   *node
		err error
	}
	ch := make(chan launched, 1)
	dir := t.TempDir()
	go func() {
		s, err := launchZooKeeper(java, dir)
		ch <- launched{s, err}
	}()
	var zk *launched
	// Registered before startWarren, which may end the test early: the JVM
	// is then still reaped.
	t.Cleanup(func() {
		if zk == nil {
			r := <-ch
			zk = &r
		}
		if zk.s != nil {
			stopZooKeeper(t, zk.s)
		}
	})
	w = startWarren(t, extraYAML)
	r := <-ch
	zk = &r
	if r.err != nil {
		t.Fatal(r.err)
	}
	return w, r.s
}

// newProcessGroup puts a child in a process group of its own, so that it and
// its children (zkCli.sh runs java) can be ended together.
func newProcessGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// killProcessGroup kills the group of a child started with newProcessGroup.
// exec.Cmd calls it as Cancel, only while the child has not been reaped.
func killProcessGroup(cmd *exec.Cmd) error {
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
