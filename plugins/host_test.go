package plugins

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/warrenzk/warren/auth"
	"github.com/warrenzk/warren/core/proto"
)

// testPlugin is the plugins/internal/testplugin binary TestMain built.
var testPlugin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "warren-plugins-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testPlugin = filepath.Join(dir, "testplugin")
	if out, err := exec.Command("go", "build", "-o", testPlugin, "./internal/testplugin").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build the test plugin: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// logBuffer collects a host's log for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fastOptions make a host react within a fraction of a second.
func fastOptions(log *logBuffer) Options {
	return Options{
		Logger:         slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		HealthInterval: 100 * time.Millisecond,
		MinBackoff:     50 * time.Millisecond,
		MaxBackoff:     200 * time.Millisecond,
		StartTimeout:   5 * time.Second,
	}
}

// startHost starts a host of cfgs, closed when the test ends.
func startHost(t *testing.T, cfgs ...Config) (*Host, *logBuffer) {
	t.Helper()
	log := &logBuffer{}
	h, err := New(cfgs, fastOptions(log))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.Close()
		if t.Failed() {
			t.Logf("host log:\n%s", log.String())
		}
	})
	return h, log
}

var conn = auth.ConnInfo{RemoteAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5000}}

func authenticate(p *Plugin, b string) ([]proto.Id, error) {
	return p.Authenticate(context.Background(), conn, []byte(b))
}

// waitRunning waits until p is running and answers.
func waitRunning(t *testing.T, p *Plugin, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, why := p.Running()
		if ok {
			if _, err := authenticate(p, "user:probe"); err == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("plugin not running after %v: %v", limit, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPluginScheme(t *testing.T) {
	h, _ := startHost(t, Config{Name: "test", Path: testPlugin})
	p := h.Plugins()[0]
	waitRunning(t, p, 5*time.Second)
	if !p.IsAuthenticated() {
		t.Error("IsAuthenticated = false, the plugin declares true")
	}
	ids, err := authenticate(p, "user:alice")
	if err != nil || len(ids) != 1 || ids[0] != (proto.Id{Scheme: "test", ID: "alice"}) {
		t.Fatalf("Authenticate(user:alice) = %v, %v", ids, err)
	}
	for _, tc := range []struct{ auth, want string }{
		{"fail", "refused on purpose"},
		{"panic", "panicked"},
		{"many", "more than 16"},
		{"user:", "id of 0 bytes"},
	} {
		if _, err := authenticate(p, tc.auth); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Authenticate(%q) error = %v, want one with %q", tc.auth, err, tc.want)
		}
	}
	// A huge payload (a ZooKeeper request is at most jute.maxbuffer, 1 MiB)
	// goes through whole.
	huge := strings.Repeat("x", 1<<20)
	if ids, err := authenticate(p, huge); err != nil || ids[0].ID != "len:1048576" {
		t.Errorf("a 1 MiB addauth: %v, %v", ids, err)
	}
	if !p.ValidID("bob") || p.ValidID("bad") || p.ValidID("a b") {
		t.Error("ValidID answers differ from the plugin's")
	}
	// Without custom matching, ids match ACL entries by equality inside
	// Warren.
	if !p.Matches(context.Background(), conn, proto.Id{Scheme: "test", ID: "alice"}, "alice") ||
		p.Matches(context.Background(), conn, proto.Id{Scheme: "test", ID: "alice"}, "al*") {
		t.Error("default matching is not equality")
	}
	if ok, why := p.Running(); !ok {
		t.Errorf("after a panic in the scheme the plugin is down: %v", why)
	}

	// Through the Checker, as the node uses it.
	reg := auth.NewRegistry(auth.Digest{}, auth.World{})
	for _, s := range h.Schemes() {
		if err := reg.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	c := &auth.Checker{Schemes: reg}
	ids, err = c.Authenticate(context.Background(), conn, "test", []byte("user:carol"))
	if err != nil {
		t.Fatal(err)
	}
	acl, err := c.FixupACL("/n", ids, []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "auth"}}})
	if err != nil || len(acl) != 1 || acl[0].ID != (proto.Id{Scheme: "test", ID: "carol"}) {
		t.Fatalf("auth ACL expansion = %v, %v", acl, err)
	}
	if err := c.Check(context.Background(), conn, acl, proto.PermWrite, ids); err != nil {
		t.Errorf("carol may not write her own node: %v", err)
	}
	if _, err := c.FixupACL("/n", ids, []proto.ACL{{Perms: 1, ID: proto.Id{Scheme: "test", ID: "bad"}}}); !errors.Is(err, proto.ErrInvalidACL) {
		t.Errorf("a malformed plugin id: %v, want InvalidACL", err)
	}
	if _, err := c.Authenticate(context.Background(), conn, "test", []byte("fail")); !errors.Is(err, proto.ErrAuthFailed) {
		t.Errorf("a refused addauth: %v, want AuthFailed", err)
	}
}

func TestCustomMatch(t *testing.T) {
	h, _ := startHost(t, Config{Name: "test", Path: testPlugin, Args: []string{"-match"}})
	p := h.Plugins()[0]
	waitRunning(t, p, 5*time.Second)
	id := proto.Id{Scheme: "test", ID: "team-a/alice"}
	for aclID, want := range map[string]bool{"team-a/*": true, "team-b/*": false, "team-a/alice": true, "*": true, "team-a": false} {
		for range 2 { // the second answer comes from the cache
			if got := p.Matches(context.Background(), conn, id, aclID); got != want {
				t.Errorf("Matches(%s, %s) = %v, want %v", id.ID, aclID, got, want)
			}
		}
	}
}

// TestBadPlugins: every way a plugin can fail to start is a clear error in
// the log and from Authenticate, the other plugins run, and the host keeps
// trying without blocking anyone.
func TestBadPlugins(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "not-exec")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	notPlugin := filepath.Join(dir, "not-plugin")
	if err := os.WriteFile(notPlugin, []byte("#!/bin/sh\necho hello, I am not a plugin\nsleep 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Name: "missing", Path: filepath.Join(dir, "nope")}, "does not exist"},
		{Config{Name: "notexec", Path: notExec}, "not executable"},
		{Config{Name: "dir", Path: dir}, "is a directory"},
		{Config{Name: "notplugin", Path: notPlugin}, "not a Warren auth plugin"},
		{Config{Name: "wrongversion", Path: testPlugin, Args: []string{"-version", "99", "-scheme", "wrongversion"}}, "another version of Warren's plugin protocol"},
		{Config{Name: "misnamed", Path: testPlugin, Args: []string{"-scheme", "other"}}, `serves scheme "other"`},
	}
	cfgs := []Config{{Name: "test", Path: testPlugin}}
	for _, c := range cases {
		cfgs = append(cfgs, c.cfg)
	}
	h, log := startHost(t, cfgs...)
	waitRunning(t, h.Plugins()[0], 5*time.Second)
	for i, c := range cases {
		p := h.Plugins()[i+1]
		ok, why := p.Running()
		if ok || why == nil || !strings.Contains(why.Error(), c.want) {
			t.Errorf("%s: Running = %v, %v; want an error with %q", c.cfg.Name, ok, why, c.want)
		}
		start := time.Now()
		_, err := authenticate(p, "user:x")
		if !errors.Is(err, ErrNotRunning) {
			t.Errorf("%s: Authenticate error = %v, want ErrNotRunning", c.cfg.Name, err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("%s: Authenticate of a plugin that is down took %v", c.cfg.Name, d)
		}
		if p.ValidID("x") || p.Matches(context.Background(), conn, proto.Id{Scheme: c.cfg.Name, ID: "x"}, "x") && p.IsAuthenticated() {
			t.Errorf("%s: a plugin that never ran validates or matches", c.cfg.Name)
		}
		if !strings.Contains(log.String(), strings.ReplaceAll(c.want, `"`, `\"`)) {
			t.Errorf("%s: the log does not say %q", c.cfg.Name, c.want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfgs []Config
		want string
	}{
		{[]Config{{Name: "", Path: "/bin/true"}}, "empty"},
		{[]Config{{Name: "digest", Path: "/bin/true"}}, "built-in"},
		{[]Config{{Name: "auth", Path: "/bin/true"}}, "pseudo-scheme"},
		{[]Config{{Name: "a:b", Path: "/bin/true"}}, "colon"},
		{[]Config{{Name: "t"}}, "no path"},
		{[]Config{{Name: "t", Path: "/bin/true", Timeout: -1}}, "negative"},
		{[]Config{{Name: "t", Path: "/bin/true"}, {Name: "t", Path: "/bin/true"}}, "twice"},
	} {
		if _, err := New(tc.cfgs, Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error with %q", tc.cfgs, err, tc.want)
		}
	}
}

// TestCrashAndHang kills the plugin with SIGKILL and freezes it with SIGSTOP
// while goroutines keep authenticating: no call waits past the timeout, hot
// calls never wait past the match timeout, and the plugin comes back.
func TestCrashAndHang(t *testing.T) {
	const timeout = 300 * time.Millisecond
	const matchTimeout = 50 * time.Millisecond
	h, log := startHost(t, Config{Name: "test", Path: testPlugin, Args: []string{"-match"}, Timeout: timeout, MatchTimeout: matchTimeout})
	p := h.Plugins()[0]
	waitRunning(t, p, 5*time.Second)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var slowest, slowestHot time.Duration
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				authenticate(p, "user:u")
				d := time.Since(start)
				start = time.Now()
				// A fresh ACL id each time, so the cache cannot answer.
				p.Matches(context.Background(), conn, proto.Id{Scheme: "test", ID: "x"}, fmt.Sprintf("%d-%d*", i, n))
				dh := time.Since(start)
				mu.Lock()
				slowest, slowestHot = max(slowest, d), max(slowestHot, dh)
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	defer func() {
		close(stop)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		// Scheduling slack on a loaded machine, but nowhere near a hang.
		if slowest > timeout+time.Second {
			t.Errorf("an Authenticate took %v, timeout %v", slowest, timeout)
		}
		if slowestHot > matchTimeout+time.Second {
			t.Errorf("a Matches took %v, match timeout %v", slowestHot, matchTimeout)
		}
	}()

	pid := p.Pid()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitRestarted(t, p, pid)
	if !strings.Contains(log.String(), "auth plugin down") {
		t.Error("the log does not say the plugin went down")
	}

	pid = p.Pid()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// While it is frozen, an addauth fails within the timeout.
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if _, err := authenticate(p, "user:frozen"); err == nil {
		t.Error("a frozen plugin authenticated")
	}
	if d := time.Since(start); d > timeout+500*time.Millisecond {
		t.Errorf("Authenticate against a frozen plugin took %v", d)
	}
	waitRestarted(t, p, pid)
	if !strings.Contains(log.String(), "health check failed") {
		t.Error("the log does not say the health check failed")
	}
	// The frozen process was killed, not left behind.
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("the frozen plugin %d is still there", pid)
	}

	// A plugin that exits by itself is restarted too.
	pid = p.Pid()
	authenticate(p, "exit")
	waitRestarted(t, p, pid)
}

// waitRestarted waits until p runs as a process other than oldPid.
func waitRestarted(t *testing.T, p *Plugin, oldPid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if pid := p.Pid(); pid != 0 && pid != oldPid {
			if ok, _ := p.Running(); ok {
				if _, err := authenticate(p, "user:back"); err == nil {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			_, why := p.Running()
			t.Fatalf("plugin not back 10s after pid %d went: %v", oldPid, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSlowAuthenticate: a plugin that takes longer than the timeout fails
// the addauth at the timeout, and stays up (it is slow, not dead).
func TestSlowAuthenticate(t *testing.T) {
	h, _ := startHost(t, Config{Name: "test", Path: testPlugin, Timeout: 200 * time.Millisecond})
	p := h.Plugins()[0]
	waitRunning(t, p, 5*time.Second)
	start := time.Now()
	_, err := authenticate(p, "sleep:5s")
	if err == nil || !strings.Contains(err.Error(), "did not answer within") {
		t.Errorf("slow Authenticate error = %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("slow Authenticate returned after %v", d)
	}
	waitRunning(t, p, 5*time.Second)
}

// TestCloseStopsPlugins: after Close no plugin process is left.
func TestCloseStopsPlugins(t *testing.T) {
	log := &logBuffer{}
	h, err := New([]Config{{Name: "test", Path: testPlugin}}, fastOptions(log))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	p := h.Plugins()[0]
	waitRunning(t, p, 5*time.Second)
	pid := p.Pid()
	h.Close()
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("plugin %d still running after Close", pid)
	}
	if _, err := authenticate(p, "user:x"); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Authenticate after Close = %v", err)
	}
	h.Close() // a second Close is harmless
}
