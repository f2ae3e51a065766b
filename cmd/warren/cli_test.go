package main

// warren cli end to end: a scripted session and one-shot commands against
// Warren and against Apache ZooKeeper 3.8 (same output and exit codes),
// the same script through ZooKeeper's own zkCli.sh (same output), and an
// interactive session in a pseudo-terminal (completion, history, watch
// events arriving at the prompt).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// cliScript is fed to warren cli (and zkCli.sh) on stdin; ROOT and SERVER
// are replaced by the run's root znode and the server's address, GOODCFG
// and BADCFG by dynamic config files, one with a key reconfig refuses.
const cliScript = `create ROOT
create ROOT/x data
get ROOT/x
get -s ROOT/x
set ROOT/x data2
set -v 0 ROOT/x stale
set -s -v 1 ROOT/x data3
get -w ROOT/x
set ROOT/x data4
ls -w ROOT
create -e ROOT/e
create -s ROOT/s- seq
create -s ROOT/s- seq
create -c ROOT/c
create -t 600000 ROOT/t ttl
create ROOT/x again
create "ROOT/sp ace" "two words"
get "ROOT/sp ace"
ls ROOT
ls -s ROOT
ls -R ROOT
stat ROOT/e
stat ROOT/missing
stat -w ROOT/later
create ROOT/later
getEphemerals ROOT
getAllChildrenNumber ROOT
getAcl ROOT/x
setAcl ROOT/x world:anyone:r
getAcl -s ROOT/x
set ROOT/x denied
setAcl ROOT/x bogus
create ROOT/y y digest:u:x:cdrwa,world:anyone:r
getAcl ROOT/y
addauth digest u:p
whoami
addWatch ROOT/w
create ROOT/w
create ROOT/w/k v
removewatches ROOT/w
removewatches ROOT/w
get -w ROOT/y
removewatches ROOT/y -d
ls ROOT/x watch
delete ROOT/x 5
delete -v 9 ROOT/s-0000000002
delete ROOT
ls
get bad
get ROOT/a/../b
create -c -e ROOT/z
create -t 0 ROOT/z
ls -x ROOT
set ROOT/y
set -v ROOT/y
printwatches
printwatches off
get -w ROOT/e
set ROOT/e quiet
printwatches on
sync ROOT
history
redo 2
redo 999
deleteall ROOT -b 2
ls ROOT
close
ls ROOT
connect SERVER
create ROOT
create ROOT/qa
create ROOT/qa/b b
setquota -n 5 ROOT/qa
setquota -b 100 ROOT/qa
listquota ROOT/qa
setquota -n 1 ROOT/qa
setquota -N 10 ROOT/qa
setquota -n 5 ROOT
setquota -B 10 ROOT/qa/b
setquota -N 10 -B 1000 ROOT/qa
setquota -n 0 ROOT/qa
setquota -b x ROOT/qa
setquota ROOT/qa
setquota -n 5
setquota -n 5 ROOT/missing
setquota -n 5 /zookeeper/quota/x
setquota -n 5 relative
listquota ROOT
listquota /
delquota -n ROOT/qa
listquota ROOT/qa
delquota -n -b ROOT/qa
delquota ROOT/qa
listquota ROOT/qa
delquota ROOT/qa
ls /zookeeper/quota
version
version x
reconfig
reconfig -remove 3
reconfig -s -v 10 -add 4=127.0.0.1:2888:3888;2181
reconfig -members 1=x -add 2
reconfig -v zz -remove 3
reconfig -file /nonexistent-warren-cli
reconfig -file GOODCFG
reconfig -file BADCFG
deleteall ROOT
ls ROOT
`

// execCli runs warren cli against addr with args and stdin, with a private
// HOME, bounded; stdout and stderr are collected apart.
func execCli(addr, home, stdin string, args ...string) (stdout, stderr string, code int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := warrenCommand(append([]string{"cli", "-server", addr, "-timeout", "10000"}, args...)...)
	cmd.Env = append(cmd.Env, "HOME="+home)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		return "", "", -1, err
	}
	stop := context.AfterFunc(ctx, func() { cmd.Process.Kill() })
	defer stop()
	err = cmd.Wait()
	if ctx.Err() != nil {
		return out.String(), errOut.String(), -1, fmt.Errorf("warren cli %v timed out:\n%s%s", args, &out, &errOut)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), errOut.String(), ee.ExitCode(), nil
	}
	return out.String(), errOut.String(), 0, err
}

// cliVersionRE is what the version command prints, which names the
// program's own version.
var cliVersionRE = regexp.MustCompile(`(?m)^ZooKeeper CLI version: .+, built on .+$`)

// normalizeCli is normalizeZkCli keeping the watch events and hiding the
// server's address, the run's root and the version.
func normalizeCli(out, addr, root string) []string {
	out = cliVersionRE.ReplaceAllString(out, "ZooKeeper CLI version: VERSION")
	out = strings.ReplaceAll(out, "\nWatchedEvent ", "\nevent ")
	out = strings.ReplaceAll(strings.ReplaceAll(out, addr, "SERVER"), root, "ROOT")
	return normalizeZkCli(out)
}

// requireLines fails t for each of want that is not a line of got.
func requireLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s lacks the line %q", what, w)
		}
	}
}

func TestCli(t *testing.T) {
	t.Parallel()
	w, z := startBoth(t, diffServers)
	servers := []*node{w, z}
	type result struct {
		stdout, stderr []string
		code           int
		singles        []string // "args → exit code: last line"
	}
	singles := [][]string{
		{"create", "ROOT", "one"},
		{"get", "ROOT"},
		{"create", "ROOT", "two"},
		{"set", "-v", "7", "ROOT", "x"},
		{"stat", "ROOT/missing"},
		{"nosuch", "ROOT"},
		{"ls"},
		{"setquota", "-n", "2", "ROOT"},
		{"listquota", "ROOT"},
		{"delquota", "ROOT"},
		{"version"},
		{"reconfig", "-remove", "3"},
		{"delete", "ROOT"},
	}
	home := t.TempDir()
	good, bad := filepath.Join(home, "good.cfg"), filepath.Join(home, "bad.cfg")
	for path, cfg := range map[string]string{good: "server.1=127.0.0.1:2888:3888;2181\n", bad: "server.1=127.0.0.1:2888:3888;2181\nfoo=bar\n"} {
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script := func(s *node, root string) string {
		return strings.NewReplacer("ROOT", root, "SERVER", s.Addr, "GOODCFG", good, "BADCFG", bad).Replace(cliScript)
	}
	wr, zr := onBoth(t, servers, func(s *node) (result, error) {
		stdout, stderr, code, err := execCli(s.Addr, home, script(s, "/wcli"))
		if err != nil {
			return result{}, err
		}
		r := result{normalizeCli(stdout, s.Addr, "/wcli"), normalizeCli(stderr, s.Addr, "/wcli"), code, nil}
		for _, words := range singles {
			args := make([]string, len(words))
			for i, w := range words {
				args[i] = strings.ReplaceAll(w, "ROOT", "/wcli-single")
			}
			stdout, stderr, code, err := execCli(s.Addr, home, "", args...)
			if err != nil {
				return result{}, err
			}
			lines := normalizeCli(stdout+stderr, s.Addr, "/wcli-single")
			r.singles = append(r.singles, fmt.Sprintf("%v → exit %d: %s", args, code, lines[len(lines)-1]))
		}
		return r, nil
	})

	// Spot checks on Warren, then Warren against ZooKeeper.
	requireLines(t, "warren cli's stdout on Warren", wr.stdout, []string{
		"data", "dataVersion = 2", "event state:SyncConnected type:NodeDataChanged path:ROOT/x",
		"[c, e, s-0000000002, s-0000000003, sp ace, t, x]", "ROOT/sp ace", "two words",
		"event state:SyncConnected type:NodeCreated path:ROOT/later", "[ROOT/e]", "8",
		"'world,'anyone", ": r", "'digest,'u:x", "Auth scheme: User", "digest: u", "ip: 127.0.0.1",
		"event state:SyncConnected type:NodeCreated path:ROOT/w/k", "event state:SyncConnected type:PersistentWatchRemoved path:ROOT/w",
		"event state:SyncConnected type:DataWatchRemoved path:ROOT/y", "printwatches is on", "Sync is OK",
		"61 - history", "event state:Closed type:None path:null", "Not connected",
		"Output quota for ROOT/qa count=5,bytes=100=;byteHardLimit=-1;countHardLimit=-1",
		"Output stat for ROOT/qa count=2,bytes=1",
		"[Warning]: the count quota you create is less than the existing count:2",
		"Output quota for ROOT/qa count=-1,bytes=100=;byteHardLimit=-1;countHardLimit=10",
		"Quota does not exist for ROOT/qa", "[]", "ZooKeeper CLI version: VERSION",
	})
	requireLines(t, "warren cli's stderr on Warren", wr.stderr, []string{
		"Created ROOT/x", "version No is not valid : ROOT/x", "Node already exists: ROOT/x",
		"Node does not exist: ROOT/missing", "Insufficient permission : ROOT/x", "bogus does not have the form scheme:id:perm",
		"Acl is not valid : null", "KeeperErrorCode = No such watcher for ROOT/w",
		"'ls path [watch]' has been deprecated. Please use 'ls [-w] path' instead.",
		"version No is not valid : ROOT/s-0000000002", "Node not empty: ROOT", "ls [-s] [-w] [-R] path",
		"Path must start with / character", `Invalid path string "ROOT/a/../b" caused by relative paths not allowed @9`,
		"-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.",
		"ttl must be positive and cannot be larger than: 1099511627775",
		"org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -x",
		"set [-s] [-v version] path data",
		"Command index out of range", "Node does not exist: ROOT",
		"absolute path is /zookeeper/quotaROOT/qa/zookeeper_limits", "ROOT has a child ROOT/qa which has a quota",
		"ROOT/qa/b has a parent ROOT/qa which has a quota",
		"org.apache.commons.cli.AlreadySelectedException: The option 'B' was specified but an option from this group has already been selected: 'N'",
		"the num quota must be greater than zero", "NumberFormatException happens when parsing the option value",
		"org.apache.commons.cli.MissingOptionException: Missing required option: [-n num soft quota, -b bytes soft quota, -N num hard quota, -B bytes hard quota]",
		"setquota -n|-b|-N|-B val path", "ROOT/missing does not exist.", "cannot set a quota under the path: /zookeeper/quota",
		"quota for ROOT does not exist.", `Invalid path string "/zookeeper/quota//zookeeper_limits" caused by empty node name specified @17`,
		"quota for ROOT/qa does not exist.", "version", "KeeperErrorCode = Reconfig is disabled",
		"Can't use -file or -members together with -add or -remove (mixing incremental and non-incremental modes is not allowed)",
		"-v must be followed by a long (configuration version)",
		"Error processing /nonexistent-warren-cli/nonexistent-warren-cli (No such file or directory)",
		"Error processing " + bad + "Unrecognised parameter: foo",
	})
	wantSingles := []string{
		"[create /wcli-single one] → exit 0: Created ROOT",
		"[get /wcli-single] → exit 0: one",
		"[create /wcli-single two] → exit 1: Node already exists: ROOT",
		"[set -v 7 /wcli-single x] → exit 1: version No is not valid : ROOT",
		"[stat /wcli-single/missing] → exit 1: Node does not exist: ROOT/missing",
		"[nosuch /wcli-single] → exit 127: Command not found: Command not found nosuch",
		"[ls] → exit 1: ls [-s] [-w] [-R] path",
		"[setquota -n 2 /wcli-single] → exit 0: event state:SyncConnected type:None path:null",
		"[listquota /wcli-single] → exit 0: absolute path is /zookeeper/quotaROOT/zookeeper_limits",
		"[delquota /wcli-single] → exit 0: event state:SyncConnected type:None path:null",
		"[version] → exit 0: ZooKeeper CLI version: VERSION",
		"[reconfig -remove 3] → exit 1: KeeperErrorCode = Reconfig is disabled",
		"[delete /wcli-single] → exit 0: event state:SyncConnected type:None path:null",
	}
	if !slices.Equal(wr.singles, wantSingles) {
		t.Errorf("one-shot commands on Warren:\n  got  %q\n  want %q", wr.singles, wantSingles)
	}
	if wr.code != 1 { // the last command, ls of the deleted root, failed
		t.Errorf("the script exited %d on Warren, want 1", wr.code)
	}
	if !slices.Equal(wr.stdout, zr.stdout) || !slices.Equal(wr.stderr, zr.stderr) || wr.code != zr.code || !slices.Equal(wr.singles, zr.singles) {
		t.Errorf("warren cli differs between Warren and ZooKeeper (exit %d, %d):\nstdout:\n%s\nstderr:\n%s\none-shot:\n%s",
			wr.code, zr.code, sideBySide(wr.stdout, zr.stdout, diffMarks(wr.stdout, zr.stdout)),
			sideBySide(wr.stderr, zr.stderr, diffMarks(wr.stderr, zr.stderr)),
			sideBySide(wr.singles, zr.singles, diffMarks(wr.singles, zr.singles)))
	}

	// The same script through zkCli.sh against ZooKeeper: the texts are
	// ZooKeeper's own. stdout and stderr are compared apart, since the
	// Java shell prints events on a thread of their own.
	t.Run("zkCli", func(t *testing.T) {
		requireTool(t, "zkCli.sh (zookeeper)", fileExists(zkCliPath))
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, zkCliPath, "-server", z.Addr)
		cmd.Env = clientEnv(t)
		cmd.Stdin = strings.NewReader(script(z, "/zcli")) // as long as /wcli: same error positions
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		cmd.SysProcAttr = newProcessGroup()
		cmd.Cancel = func() error { return killProcessGroup(cmd) }
		cmd.WaitDelay = 5 * time.Second
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("zkCli.sh: %v\n%s%s", err, &stdout, &stderr)
		}
		usage := func(l string) bool { // the usage list: zkCli has commands warren cli has not
			return strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "ZooKeeper -server") || strings.HasPrefix(l, "warren cli -server")
		}
		zo := normalizeCli(stdout.String(), z.Addr, "/zcli")
		ze := slices.DeleteFunc(normalizeCli(stderr.String(), z.Addr, "/zcli"), usage)
		we := slices.DeleteFunc(slices.Clone(zr.stderr), usage)
		// zkCli's event thread may print an event a line earlier or
		// later than the command that caused it (close, then the next
		// command's "Not connected"): events and the rest are compared
		// each in their own order.
		zrEvents, zrRest := splitEvents(zr.stdout)
		zoEvents, zoRest := splitEvents(zo)
		if !slices.Equal(zrEvents, zoEvents) || !slices.Equal(zrRest, zoRest) || !slices.Equal(we, ze) || zr.code != cmd.ProcessState.ExitCode() {
			t.Errorf("warren cli and zkCli.sh differ on ZooKeeper (exit %d, %d):\nstdout:\n%s\nstderr:\n%s",
				zr.code, cmd.ProcessState.ExitCode(), sideBySide(zr.stdout, zo, diffMarks(zr.stdout, zo)), sideBySide(we, ze, diffMarks(we, ze)))
		}
	})
	t.Run("addWatch-mode", func(t *testing.T) { testAddWatchMode(t, w, z) })
}

// splitEvents separates watch event lines from the rest, keeping the
// order within each.
func splitEvents(lines []string) (events, rest []string) {
	for _, l := range lines {
		if strings.HasPrefix(l, "event ") {
			events = append(events, l)
		} else {
			rest = append(rest, l)
		}
	}
	return events, rest
}

// addWatchModeScript registers a persistent watch, removes it and
// registers a watch with addWatch's default mode, PERSISTENT_RECURSIVE.
const addWatchModeScript = `create ROOT
addWatch -m PERSISTENT ROOT
removewatches ROOT
addWatch ROOT
create ROOT/c
set ROOT/c x
deleteall ROOT
`

// testAddWatchMode runs addWatchModeScript through warren cli on Warren and
// on ZooKeeper (the same events: the recursive watch's, as the
// differential scenario persistent-then-recursive finds on the servers)
// and through zkCli.sh on ZooKeeper, whose addWatch keeps the -m of an
// earlier addWatch (AddWatchCommand is one object and only -m sets its
// mode), so it asks for a persistent watch again and prints
// NodeChildrenChanged instead: a zkCli bug warren cli does not copy
// (docs/tools.md).
func testAddWatchMode(t *testing.T, w, z *node) {
	home := t.TempDir()
	run := func(s *node) ([]string, error) {
		stdout, _, _, err := execCli(s.Addr, home, strings.ReplaceAll(addWatchModeScript, "ROOT", "/wcli-mode"))
		return normalizeCli(stdout, s.Addr, "/wcli-mode"), err
	}
	wr, zr := onBoth(t, []*node{w, z}, run)
	recursive := []string{"event state:SyncConnected type:NodeCreated path:ROOT/c", "event state:SyncConnected type:NodeDataChanged path:ROOT/c"}
	requireLines(t, "warren cli on Warren", wr, recursive)
	if !slices.Equal(wr, zr) {
		t.Errorf("warren cli's addWatch differs between Warren and ZooKeeper:\n%s", sideBySide(wr, zr, diffMarks(wr, zr)))
	}
	requireTool(t, "zkCli.sh (zookeeper)", fileExists(zkCliPath))
	out, _, err := runZkCli(z, clientEnv(t), strings.ReplaceAll(addWatchModeScript, "ROOT", "/zcli-mode"))
	if err != nil {
		t.Fatal(err)
	}
	zk := normalizeCli(out, z.Addr, "/zcli-mode")
	requireLines(t, "zkCli.sh (its addWatch keeping -m PERSISTENT)", zk, []string{"event state:SyncConnected type:NodeChildrenChanged path:ROOT"})
	if slices.Contains(zk, recursive[0]) {
		t.Errorf("zkCli.sh's second addWatch made a recursive watch: its mode no longer sticks, and docs/tools.md is out of date:\n%s", strings.Join(zk, "\n"))
	}
}

// screen is the output of a program in a pseudo-terminal, read as it
// comes; expect waits for text after what was already matched.
type screen struct {
	f    *os.File
	out  syncBuffer
	seen int
}

func (s *screen) send(t *testing.T, keys string) {
	t.Helper()
	if _, err := io.WriteString(s.f, keys); err != nil {
		t.Fatalf("type %q: %v", keys, err)
	}
}

// step types keys, then waits for each text in turn.
type step struct {
	keys string
	want []string
}

func (s *screen) run(t *testing.T, steps ...step) {
	t.Helper()
	for _, st := range steps {
		s.send(t, st.keys)
		for _, w := range st.want {
			s.expect(t, w)
		}
	}
}

// startTerminal runs warren cli against addr in a pseudo-terminal, with
// home as HOME; it is killed when the test ends if it has not exited.
// done is closed when it exits; *waitErr then says how.
func startTerminal(t *testing.T, addr, home string, flags ...string) (s *screen, done <-chan struct{}, waitErr *error) {
	if len(flags) == 0 {
		flags = []string{"-timeout", "10000"}
	}
	cmd := warrenCommand(append([]string{"cli", "-server", addr}, flags...)...)
	cmd.Env = append(cmd.Env, "HOME="+home, "TERM=xterm")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	waitErr = new(error)
	go func() { *waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Signal(syscall.SIGKILL)
			<-exited
		}
		f.Close()
	})
	s = &screen{f: f}
	go io.Copy(&s.out, f)
	return s, exited, waitErr
}

func (s *screen) expect(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		out := s.out.String()
		if i := strings.Index(out[s.seen:], text); i >= 0 {
			s.seen += i + len(text)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; after the last match it shows:\n%q", text, out[s.seen:])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An interactive session in a pseudo-terminal: TAB completes command
// names and znode paths, up-arrow recalls earlier lines (kept in the
// history file), and a watch event that arrives while a line is being
// typed prints above it without losing it.
func TestCliTerminal(t *testing.T) {
	t.Parallel()
	w := startWarren(t, "")
	home := t.TempDir()
	s, done, waitErr := startTerminal(t, w.Addr, home)
	prompt := func(n int) string { return fmt.Sprintf("[zk: %s(CONNECTED) %d] ", w.Addr, n) }

	s.run(t,
		step{"", []string{"JLine support is enabled", prompt(0)}},
		step{"create /pty-completion-target pty-data-1\r", []string{"Created /pty-completion-target", prompt(1)}},
		// A path: the children of "/" that start with "pty-comp".
		step{"get /pty-comp\t", []string{"letion-target"}},
		step{"\r", []string{"pty-data-1", prompt(2)}},
		// A command name.
		step{"getAc\t/pty-completion-target\r", []string{"'world,'anyone", prompt(3)}},
		// Up-arrow twice: the get of two lines ago, run again.
		step{"\x1b[A\x1b[A", []string{"get /pty-completion-target"}},
		step{"\r", []string{"pty-data-1", prompt(4)}},
		// A watch, then "ls /pty" typed but not entered.
		step{"get -w /pty-completion-target\r", []string{prompt(5)}},
		step{"ls /pty", []string{"ls /pty"}},
	)
	// The watch fires: the event prints, then the prompt and the
	// unfinished line again, which Enter then runs.
	if _, stderr, code, err := execCli(w.Addr, t.TempDir(), "", "set", "/pty-completion-target", "changed"); err != nil || code != 0 {
		t.Fatalf("set from another shell: exit %d, %v\n%s", code, err, stderr)
	}
	s.run(t,
		step{"", []string{"WATCHER::", "WatchedEvent state:SyncConnected type:NodeDataChanged path:/pty-completion-target", prompt(5) + "ls /pty"}},
		step{"\r", []string{"Node does not exist: /pty", prompt(6)}},
		step{"sync /\r", []string{"Sync is OK"}},
	)
	s.send(t, "quit\r")
	select {
	case <-done:
		if *waitErr != nil {
			t.Errorf("warren cli exited with %v after quit, want 0", *waitErr)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("warren cli still runs 15s after quit; it shows:\n%q", s.out.String()[s.seen:])
	}
	history, err := os.ReadFile(filepath.Join(home, ".warren_cli_history"))
	if err != nil {
		t.Fatal(err)
	}
	requireLines(t, "the history file", strings.Split(string(history), "\n"),
		[]string{"get /pty-completion-target", "getAcl /pty-completion-target", "ls /pty", "quit"})
}

// cutter forwards connections from a loopback port to addr and can cut
// them all at once, as a network failure would.
type cutter struct {
	l       net.Listener
	mu      sync.Mutex
	conns   []net.Conn
	blocked bool // connections are closed as soon as they are accepted
}

func newCutter(t *testing.T, addr string) *cutter {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{l: l}
	t.Cleanup(func() { l.Close(); c.cut() })
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			c.mu.Lock()
			blocked := c.blocked
			c.mu.Unlock()
			if blocked {
				in.Close()
				continue
			}
			out, err := net.Dial("tcp", addr)
			if err != nil {
				in.Close()
				continue
			}
			c.mu.Lock()
			c.conns = append(c.conns, in, out)
			c.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	return c
}

// block cuts every connection and refuses new ones until unblock.
func (c *cutter) block() {
	c.mu.Lock()
	c.blocked = true
	c.mu.Unlock()
	c.cut()
}

func (c *cutter) unblock() {
	c.mu.Lock()
	c.blocked = false
	c.mu.Unlock()
}

func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, nc := range c.conns {
		nc.Close()
	}
	c.conns = nil
}

// A dropped connection: the shell says so, resumes the same session (its
// ephemeral znode stays, its credentials and watches are sent again) and
// says so; a watch whose znode changed meanwhile fires then.
func TestCliReconnect(t *testing.T) {
	t.Parallel()
	w := startWarren(t, "")
	proxy := newCutter(t, w.Addr)
	addr := proxy.l.Addr().String()
	s, _, _ := startTerminal(t, addr, t.TempDir())
	prompt := func(n int) string { return fmt.Sprintf("[zk: %s(CONNECTED) %d] ", addr, n) }
	s.run(t,
		step{"", []string{prompt(0)}},
		step{"create -e /reconnect-eph x\r", []string{prompt(1)}},
		step{"addauth digest u:p\r", []string{prompt(2)}},
		step{"get -w /reconnect-eph\r", []string{prompt(3)}},
		step{"ls -w /\r", []string{prompt(4)}},
	)
	proxy.block()
	s.expect(t, "WatchedEvent state:Disconnected type:None path:null")
	if _, stderr, code, err := execCli(w.Addr, t.TempDir(), "", "set", "/reconnect-eph", "changed"); err != nil || code != 0 {
		t.Fatalf("set from another shell: exit %d, %v\n%s", code, err, stderr)
	}
	proxy.unblock()
	s.run(t,
		step{"", []string{"WatchedEvent state:SyncConnected type:None path:null",
			"WatchedEvent state:SyncConnected type:NodeDataChanged path:/reconnect-eph"}},
		step{"getEphemerals /\r", []string{"[/reconnect-eph]", prompt(5)}},
		step{"whoami\r", []string{"digest: u", prompt(6)}},
		// The child watch on / is back too.
		step{"create /reconnect-other\r", []string{"WatchedEvent state:SyncConnected type:NodeChildrenChanged path:/", prompt(7)}},
	)
}

// A connection that stays down longer than the session timeout: once a
// server answers again the shell learns the session expired, says so, and
// is closed, as zkCli.sh is.
func TestCliSessionExpiry(t *testing.T) {
	t.Parallel()
	w := startWarren(t, "server:\n  tick_time: 200ms\n  min_session_timeout: 400ms\n")
	proxy := newCutter(t, w.Addr)
	addr := proxy.l.Addr().String()
	s, _, _ := startTerminal(t, addr, t.TempDir(), "-timeout", "400")
	s.run(t, step{"", []string{fmt.Sprintf("[zk: %s(CONNECTED) 0] ", addr)}})
	proxy.block()
	s.expect(t, "WatchedEvent state:Disconnected type:None path:null")
	time.Sleep(1500 * time.Millisecond) // well past the 400ms session timeout
	proxy.unblock()
	s.run(t,
		step{"", []string{"WatchedEvent state:Expired type:None path:null"}},
		step{"ls /\r", []string{"Not connected", fmt.Sprintf("[zk: %s(CLOSED) 1] ", addr)}},
	)
}
