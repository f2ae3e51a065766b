package main

// Tests of the warren binary's command-line contract: how it is started
// (flags only, zoo.cfg, YAML), how it refuses bad configuration, and how it
// stops.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// warrenCommand is the binary with args, in an environment without WARREN_*
// variables, which the binary reads as configuration.
func warrenCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(warrenBin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WARREN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	return cmd
}

// runWarren starts the binary with args and returns it, stopping it (and
// logging its output on failure) when the test ends.
func runWarren(t *testing.T, args ...string) *proc {
	t.Helper()
	p, err := startProc("warren", warrenCommand(args...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.terminate(syscall.SIGTERM, 10*time.Second)
		if t.Failed() {
			t.Logf("warren %v output:\n%s", args, p.out.tail(16<<10))
		}
	})
	return p
}

// waitWord polls a four-letter word until its answer contains want.
func waitWord(t *testing.T, p *proc, addr, word, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		out, _ := fourLetter(addr, word, time.Second)
		if strings.Contains(out, want) {
			return
		}
		if p.exited() {
			t.Fatalf("warren exited before serving on %s: %v", addr, p.waitErr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s on %s: last answer %q, want it to contain %q", word, addr, out, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// connectZK opens a go-zookeeper session and waits until it has one.
func connectZK(t testing.TB, addr string, timeout time.Duration) *zk.Conn {
	t.Helper()
	c, events, err := zk.Connect([]string{addr}, timeout, zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				go func() {
					for range events {
					}
				}()
				return c
			}
		case <-deadline:
			t.Fatalf("no session from %s within 10s (state %v)", addr, c.State())
		}
	}
}

// quietLogger drops go-zookeeper's log lines; failures are reported by the
// tests themselves.
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

func TestServerFromFlagsOnly(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	p := runWarren(t, "server", "--client-addr", addr, "--data-dir", dataDir)
	// The embedded defaults whitelist srvr only.
	waitWord(t, p, addr, "srvr", "Mode: standalone")
	if out, err := fourLetter(addr, "ruok", 5*time.Second); out != "ruok is not executed because it is not in the whitelist.\n" {
		t.Errorf("ruok with the default whitelist: %q, %v", out, err)
	}

	c := connectZK(t, addr, 10*time.Second)
	if _, err := c.Create("/flags", []byte("only"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if data, _, err := c.Get("/flags"); err != nil || string(data) != "only" {
		t.Errorf("get /flags = %q, %v", data, err)
	}
	c.Close()
	if err := p.terminate(syscall.SIGTERM, 10*time.Second); err != nil {
		t.Errorf("SIGTERM: %v", err)
	}
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"version"}, 0, "warren "},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{nil, 2, "usage: warren"},
		{[]string{"server", "--help"}, 0, "--client-addr"},
		{[]string{"server", "extra-arg"}, 1, `unexpected argument "extra-arg"`},
	} {
		out, err := warrenCommand(tc.args...).CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code || !strings.Contains(string(out), tc.contains) {
			t.Errorf("warren %v: exit %d, output %q; want exit %d and %q", tc.args, code, out, tc.code, tc.contains)
		}
	}
}

func TestServerFromZooCfg(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		extra    string
		min, max int32 // negotiated for asks of 100 and 10,000,000 ms
	}{
		{"bounds from tickTime", "", 2 * 500, 20 * 500},
		{"explicit bounds", "minSessionTimeout=1500\nmaxSessionTimeout=7000\n", 1500, 7000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			port := freePort(t)
			addr := "127.0.0.1:" + strconv.Itoa(port)
			cfg := fmt.Sprintf(`# as an operator writes it
tickTime=500
initLimit=10
syncLimit=5
dataDir=%s
clientPortAddress=127.0.0.1
clientPort=%d
4lw.commands.whitelist=ruok, conf
admin.enableServer=false
%s`, filepath.Join(dir, "data"), port, tc.extra)
			path := filepath.Join(dir, "zoo.cfg")
			if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			p := runWarren(t, "server", "--zoo-cfg", path)
			waitWord(t, p, addr, "ruok", "imok")
			if out, _ := fourLetter(addr, "conf", 5*time.Second); !strings.Contains(out, "tickTime=500\n") {
				t.Errorf("conf does not show tickTime=500:\n%s", out)
			}
			if out, _ := fourLetter(addr, "stat", 5*time.Second); out != "stat is not executed because it is not in the whitelist.\n" {
				t.Errorf("stat is not whitelisted in zoo.cfg, yet: %q", out)
			}
			// As in ZooKeeper, srvr is always allowed: zkServer.sh needs it.
			if out, _ := fourLetter(addr, "srvr", 5*time.Second); !strings.Contains(out, "Mode: standalone") {
				t.Errorf("srvr: %q", out)
			}
			for _, ask := range []struct{ ask, want int32 }{
				{100, tc.min}, {10_000_000, tc.max}, {(tc.min + tc.max) / 2, (tc.min + tc.max) / 2},
			} {
				c, err := dialRaw(addr)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := c.connect(ask.ask, 0, nil)
				c.Close()
				if err != nil {
					t.Fatalf("connect asking %d ms: %v", ask.ask, err)
				}
				if resp.TimeOut != ask.want {
					t.Errorf("asked for %d ms: negotiated %d, want %d", ask.ask, resp.TimeOut, ask.want)
				}
			}
		})
	}
}

// exitOf runs the binary to completion (bounded) and returns its exit code
// and output.
func exitOf(t *testing.T, args ...string) (int, string) {
	t.Helper()
	p, err := startProc("warren", warrenCommand(args...))
	if err != nil {
		t.Fatal(err)
	}
	code, err := p.exitCode(15 * time.Second)
	if err != nil {
		t.Fatalf("warren %v: %v\n%s", args, err, p.out.String())
	}
	return code, p.out.String()
}

func TestConfigErrorsStopStartup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	data := filepath.Join(dir, "data")
	for _, tc := range []struct {
		name string
		args []string
		want []string // all must appear in the output
	}{
		{"unknown YAML key",
			[]string{"--config", write("typo.yaml", "server:\n  tick_tme: 2s\n")},
			[]string{"server.tick_tme", "typo.yaml", "server.tick_time"}},
		{"unknown top-level YAML section",
			[]string{"--config", write("section.yaml", "bogus:\n  x: 1\n")},
			[]string{"bogus"}},
		{"malformed zoo.cfg value",
			[]string{"--zoo-cfg", write("bad.cfg", "# comment\ndataDir="+data+"\ntickTime=abc\nclientPort=2181\n")},
			[]string{"bad.cfg:3", "tickTime", `"abc"`}},
		{"malformed zoo.cfg yes/no",
			[]string{"--zoo-cfg", write("yesno.cfg", "dataDir="+data+"\nclientPort=2181\nforceSync=fasle\n")},
			[]string{"yesno.cfg:3", "forceSync"}},
		{"missing config file",
			[]string{"--config", filepath.Join(dir, "absent.yaml")},
			[]string{"absent.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"server", "--client-addr", addr, "--data-dir", data}, tc.args...)
			code, out := exitOf(t, args...)
			if code == 0 {
				t.Errorf("exit status 0, want non-zero; output:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output does not mention %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestSIGTERMStopsCleanly(t *testing.T) {
	t.Parallel()
	s := startWarren(t, "")
	c, events, err := zk.Connect([]string{s.Addr}, 10*time.Second, zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Create("/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	// A request in flight while the signal arrives must not keep the
	// process alive.
	go c.Sync("/")
	if err := s.Stop(); err != nil {
		t.Fatalf("warren after SIGTERM: %v\n%s", err, s.Output())
	}
	if s.p.cmd.ProcessState.ExitCode() != 0 {
		t.Errorf("exit status %d, want 0", s.p.cmd.ProcessState.ExitCode())
	}
	// The client notices: its connection drops.
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateDisconnected {
				return
			}
		case <-deadline:
			t.Fatal("client never saw the connection drop")
		}
	}
}
