package main

// Integration tests of external auth plugins: the example token plugin
// (plugins/examples/token) under a real warren, driven by go-zookeeper,
// kazoo and raw connections; the plugin killed and frozen under load; and
// plugins that cannot run at all.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// buildPlugin builds the plugin at pkg (relative to cmd/warren) into the
// test's temporary directory.
func buildPlugin(t *testing.T, pkg, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// tokenNode starts warren with the token plugin over a token file holding
// alice's and bob's tokens, and returns the node and the file.
func tokenNode(t *testing.T, timeout, matchTimeout string) (*node, string) {
	t.Helper()
	bin := buildPlugin(t, "../../plugins/examples/token", "warren-auth-token")
	tokens := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(tokens, []byte("# test tokens\ntok-alice alice\ntok-bob bob\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := startWarren(t, fmt.Sprintf(`
auth:
  plugins:
    - {name: token, path: %q, args: [-file, %q], timeout: %s, match_timeout: %s}
`, bin, tokens, timeout, matchTimeout))
	return w, tokens
}

// rawAuth opens a session on a new raw connection, sends addauth, and
// returns the outcome and how long the reply took.
func rawAuth(addr, scheme, cred string) (string, time.Duration, error) {
	c, err := dialRaw(addr)
	if err != nil {
		return "", 0, err
	}
	defer c.Close()
	if _, err := c.connect(30000, 0, nil); err != nil {
		return "", 0, err
	}
	start := time.Now()
	out := c.outcome(opAuth, authBody(scheme, cred))
	return out, time.Since(start), nil
}

func TestTokenPluginGoZK(t *testing.T) {
	t.Parallel()
	w, tokens := tokenNode(t, "2s", "100ms")
	alice := connectZK(t, w.Addr, 10*time.Second)
	if err := alice.AddAuth("token", []byte("tok-alice")); err != nil {
		t.Fatalf("addauth token alice: %v", err)
	}
	if err := alice.AddAuth("digest", []byte("alice:pw")); err != nil {
		t.Fatalf("addauth digest: %v", err)
	}
	mustCreate := func(c *zk.Conn, path string, acl []zk.ACL) {
		t.Helper()
		if _, err := c.Create(path, []byte("x"), 0, acl); err != nil {
			t.Fatalf("create %s: %v", path, err)
		}
	}
	mustCreate(alice, "/tok", []zk.ACL{{Perms: zk.PermAll, Scheme: "token", ID: "alice"}})
	mustCreate(alice, "/dig", zk.DigestACL(zk.PermAll, "alice", "pw"))
	mustCreate(alice, "/creator", zk.AuthACL(zk.PermAll))
	acl, _, err := alice.GetACL("/creator")
	if err != nil {
		t.Fatal(err)
	}
	var schemes []string
	for _, a := range acl {
		schemes = append(schemes, a.Scheme+":"+a.ID)
	}
	if !strings.Contains(strings.Join(schemes, ","), "token:alice") || !strings.Contains(strings.Join(schemes, ","), "digest:alice:") {
		t.Errorf("an auth ACL of a token and digest session = %v, want token:alice and digest:alice:...", schemes)
	}
	if _, err := alice.Create("/bad", nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "token", ID: "not a user"}}); !errors.Is(err, zk.ErrInvalidACL) {
		t.Errorf("a malformed token id: %v, want InvalidACL", err)
	}

	bob := connectZK(t, w.Addr, 10*time.Second)
	if _, _, err := bob.Get("/tok"); !errors.Is(err, zk.ErrNoAuth) {
		t.Errorf("get without a token: %v, want NoAuth", err)
	}
	if err := bob.AddAuth("token", []byte("tok-bob")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := bob.Get("/tok"); !errors.Is(err, zk.ErrNoAuth) {
		t.Errorf("get with bob's token: %v, want NoAuth", err)
	}
	if _, _, err := alice.Get("/tok"); err != nil {
		t.Errorf("get with alice's token: %v", err)
	}

	// A wrong token: AuthFailed, and the connection is closed, as ZooKeeper
	// closes it after a failed addauth.
	out, d, err := rawAuth(w.Addr, "token", "tok-mallory")
	if err != nil || out != "reply AuthFailed, then closed" {
		t.Errorf("wrong token: %q, %v", out, err)
	}
	if d > 2*time.Second {
		t.Errorf("a wrong token took %v to refuse", d)
	}
	// The operator revokes alice: the plugin re-reads the file.
	time.Sleep(10 * time.Millisecond) // a new modification time
	if err := os.WriteFile(tokens, []byte("tok-bob bob\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _, _ := rawAuth(w.Addr, "token", "tok-alice"); out != "reply AuthFailed, then closed" {
		t.Errorf("a revoked token: %q", out)
	}
	if out, _, _ := rawAuth(w.Addr, "token", "tok-bob"); out != "reply OK, then open" {
		t.Errorf("bob's token after the edit: %q", out)
	}
}

func TestTokenPluginKazoo(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3-kazoo", func() error {
		return exec.Command(systemPython, "-c", "import kazoo").Run()
	})
	w, _ := tokenNode(t, "2s", "100ms")
	const script = `
import json, sys
from kazoo.client import KazooClient
from kazoo.security import make_acl, make_digest_acl
from kazoo.exceptions import NoAuthError, AuthFailedError
from kazoo.retry import KazooRetry
hosts = sys.argv[1]
out = {}
def client(auth=None):
    c = KazooClient(hosts=hosts, auth_data=auth, connection_retry=KazooRetry(max_tries=1), timeout=10)
    c.start(timeout=10)
    return c
a = client([("token", "tok-alice"), ("digest", "d:pw")])
a.create("/kz", b"k", acl=[make_acl("token", "alice", all=True)])
a.create("/kz-digest", b"d", acl=[make_digest_acl("d", "pw", all=True)])
out["alice_get"] = a.get("/kz")[0].decode()
out["alice_acl"] = [f"{x.id.scheme}:{x.id.id}" for x in a.get_acls("/kz")[0]]
out["digest_get"] = a.get("/kz-digest")[0].decode()
b = client()
try:
    b.get("/kz"); out["anon_get"] = "OK"
except NoAuthError:
    out["anon_get"] = "NoAuth"
b.add_auth("token", "tok-bob")
try:
    b.set("/kz", b"bob"); out["bob_set"] = "OK"
except NoAuthError:
    out["bob_set"] = "NoAuth"
try:
    b.add_auth("token", "nope"); out["bad_token"] = "OK"
except AuthFailedError:
    out["bad_token"] = "AuthFailed"
except Exception as e:
    out["bad_token"] = type(e).__name__
for c in (a, b):
    try:
        c.stop(); c.close()
    except Exception:
        pass
print(json.dumps(out, sort_keys=True))
`
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, systemPython, "-c", script, w.Addr)
	cmd.Env = clientEnv(t)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("kazoo: %v\n%s", err, stderr.String())
	}
	var got map[string]any
	if err := json.Unmarshal(outb, &got); err != nil {
		t.Fatalf("kazoo output %q: %v", outb, err)
	}
	want := map[string]any{
		"alice_get": "k", "alice_acl": []any{"token:alice"}, "digest_get": "d",
		"anon_get": "NoAuth", "bob_set": "NoAuth", "bad_token": "AuthFailed",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("kazoo saw %v\nwant %v", got, want)
	}
}

// pluginPid returns the pid of the only child of the warren process.
func pluginPid(t *testing.T, w *node) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var kids []int
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", w.p.cmd.Process.Pid))
		for _, f := range tasks {
			b, _ := os.ReadFile(f)
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil {
					kids = append(kids, pid)
				}
			}
		}
		if len(kids) == 1 {
			return kids[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("warren has children %v, want exactly the plugin", kids)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTokenPluginFaults kills the plugin with SIGKILL and freezes it with
// SIGSTOP during a stream of addauth requests: no addauth waits past the
// plugin's timeout, a client that does not use the plugin never notices,
// and the scheme comes back by itself each time.
func TestTokenPluginFaults(t *testing.T) {
	t.Parallel()
	const timeout = 500 * time.Millisecond
	w, _ := tokenNode(t, "500ms", "50ms")

	// A client that never uses the plugin, reading and writing a digest
	// znode all along (its ACL check is on the same locks as the plugin's).
	bystander := connectZK(t, w.Addr, 10*time.Second)
	if err := bystander.AddAuth("digest", []byte("b:pw")); err != nil {
		t.Fatal(err)
	}
	if _, err := bystander.Create("/by", nil, 0, zk.DigestACL(zk.PermAll, "b", "pw")); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var byErrs []error
	var bySlowest, authSlowest time.Duration
	var authOK, authFailed int
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			start := time.Now()
			_, err := bystander.Set("/by", []byte(strconv.Itoa(i)), -1)
			if err == nil {
				_, _, err = bystander.Get("/by")
			}
			d := time.Since(start)
			mu.Lock()
			bySlowest = max(bySlowest, d)
			if err != nil {
				byErrs = append(byErrs, err)
			}
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	}()
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				out, d, err := rawAuth(w.Addr, "token", "tok-alice")
				mu.Lock()
				authSlowest = max(authSlowest, d)
				switch {
				case err != nil:
				case out == "reply OK, then open":
					authOK++
				default:
					authFailed++
				}
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}

	// waitAuth waits until addauth works on a plugin process other than old.
	waitAuth := func(old int) int {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			if pid := pluginPid(t, w); pid != old {
				if out, _, err := rawAuth(w.Addr, "token", "tok-alice"); err == nil && out == "reply OK, then open" {
					return pid
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("the token scheme did not come back within 15s of pid %d going\n%s", old, w.Output())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	pid := waitAuth(0)
	time.Sleep(200 * time.Millisecond)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	pid = waitAuth(pid)
	time.Sleep(200 * time.Millisecond)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// While it is frozen an addauth fails, within the timeout.
	time.Sleep(100 * time.Millisecond)
	out, d, err := rawAuth(w.Addr, "token", "tok-alice")
	if err != nil || out != "reply AuthFailed, then closed" {
		t.Errorf("addauth against a frozen plugin: %q, %v", out, err)
	}
	if d > timeout+time.Second {
		t.Errorf("addauth against a frozen plugin took %v (timeout %v)", d, timeout)
	}
	frozen := pid
	waitAuth(frozen)
	if err := syscall.Kill(frozen, 0); err == nil {
		t.Errorf("the frozen plugin %d was left behind", frozen)
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	t.Logf("addauth: %d OK, %d failed, slowest %v; bystander slowest %v", authOK, authFailed, authSlowest, bySlowest)
	if len(byErrs) > 0 {
		t.Errorf("the bystander saw errors: %v", byErrs)
	}
	// Generous: scheduling on a loaded 2-core machine, not a hang.
	if bySlowest > 2*time.Second {
		t.Errorf("a bystander request took %v", bySlowest)
	}
	if authSlowest > timeout+2*time.Second {
		t.Errorf("an addauth took %v, timeout %v", authSlowest, timeout)
	}
	if authFailed == 0 || authOK == 0 {
		t.Errorf("the stream saw %d OK and %d failed addauths; want both", authOK, authFailed)
	}
	for _, want := range []string{"auth plugin down", "health check failed"} {
		if !strings.Contains(w.Output(), want) {
			t.Errorf("the node's log does not say %q", want)
		}
	}
}

// TestPluginBadInput: plugins that cannot run, unknown schemes, malformed
// ACL ids and huge addauth payloads are each refused clearly, and the node
// keeps serving.
func TestPluginBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notExec := filepath.Join(dir, "not-exec")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	testPlugin := buildPlugin(t, "../../plugins/internal/testplugin", "testplugin")
	w := startWarren(t, fmt.Sprintf(`
auth:
  plugins:
    - {name: missing, path: %q}
    - {name: notexec, path: %q}
    - {name: wrongversion, path: %q, args: [-version, "99", -scheme, wrongversion]}
    - {name: test, path: %q}
`, filepath.Join(dir, "nope"), notExec, testPlugin, testPlugin))

	// The working plugin works next to the broken ones.
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _, err := rawAuth(w.Addr, "test", "user:x")
		if err == nil && out == "reply OK, then open" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("addauth test: %q, %v\n%s", out, err, w.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, scheme := range []string{"missing", "notexec", "wrongversion", "nosuch", "", "auth", "super", "world"} {
		out, d, err := rawAuth(w.Addr, scheme, "user:x")
		if err != nil || out != "reply AuthFailed, then closed" {
			t.Errorf("addauth %q: %q, %v; want AuthFailed and a close", scheme, out, err)
		}
		if d > time.Second {
			t.Errorf("addauth %q took %v", scheme, d)
		}
	}
	for _, want := range []string{"does not exist", "is not executable", "another version of Warren's plugin protocol"} {
		if !strings.Contains(w.Output(), want) {
			t.Errorf("the node's log does not say %q", want)
		}
	}

	c := connectZK(t, w.Addr, 10*time.Second)
	for _, a := range []zk.ACL{
		{Perms: zk.PermAll, Scheme: "missing", ID: "x"},
		{Perms: zk.PermAll, Scheme: "nosuch", ID: "x"},
		{Perms: zk.PermAll, Scheme: "test", ID: "bad"},
		{Perms: zk.PermAll, Scheme: "test", ID: "has space"},
		{Perms: zk.PermAll, Scheme: "digest", ID: "nocolon"},
		{Perms: zk.PermAll, Scheme: "ip", ID: "1.2.3"},
		{Perms: zk.PermAll, Scheme: "ip", ID: "10.0.0.0/33"},
		{Perms: zk.PermAll, Scheme: "world", ID: "nobody"},
	} {
		if _, err := c.Create("/bad", nil, 0, []zk.ACL{a}); !errors.Is(err, zk.ErrInvalidACL) {
			t.Errorf("create with ACL %s:%s: %v, want InvalidACL", a.Scheme, a.ID, err)
		}
	}
	if _, err := c.Create("/ok", nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "test", ID: "x"}}); err != nil {
		t.Errorf("create with a valid plugin id: %v", err)
	}

	// Huge payloads: one just under jute.maxbuffer reaches the plugin
	// whole; one over it closes the connection before anything is asked.
	big := strings.Repeat("x", 1<<20-64)
	if out, _, err := rawAuth(w.Addr, "test", big); err != nil || out != "reply OK, then open" {
		t.Errorf("a %d-byte addauth: %q, %v", len(big), out, err)
	}
	if out, _, err := rawAuth(w.Addr, "test", big+strings.Repeat("y", 128)); err != nil || !strings.HasSuffix(out, "closed") {
		t.Errorf("an addauth over jute.maxbuffer: %q, %v", out, err)
	}
	if out, _, err := rawAuth(w.Addr, "digest", big); err != nil || out != "reply OK, then open" {
		t.Errorf("a %d-byte digest addauth: %q, %v", len(big), out, err)
	}
	if _, _, err := c.Get("/ok"); err != nil && !errors.Is(err, zk.ErrNoAuth) {
		t.Errorf("the node stopped serving: %v", err)
	}
}

// TestPluginDiesWithNode: a node killed outright takes its plugin with it,
// even one too frozen to notice.
func TestPluginDiesWithNode(t *testing.T) {
	t.Parallel()
	w, _ := tokenNode(t, "2s", "100ms")
	pid := pluginPid(t, w)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) }) // if the test fails
	// The node alone, not its process group (which holds the plugin too).
	if err := w.p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-w.p.done // reaped: Kill below no longer signals the group
	w.Kill()
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("plugin %d outlived its node by 5s", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
