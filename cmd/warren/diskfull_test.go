package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"
)

// mountTmpfs mounts a tmpfs of size bytes on a new directory, or skips the
// test where that is not allowed (not root, no CAP_SYS_ADMIN).
func mountTmpfs(t *testing.T, size int64) (dir string, resize func(int64)) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mount := func(args ...string) error {
		out, err := exec.Command("mount", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("mount %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := mount("-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v); the disk-full test needs root", err)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir, func(n int64) {
		if err := mount("-o", fmt.Sprintf("remount,size=%d", n), dir); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLogDeviceFull fills the log device: writes then fail with an error
// while reads go on, the node heals when space returns, and after a restart
// every acknowledged write is there and no refused one is.
func TestLogDeviceFull(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	logDir, resize := mountTmpfs(t, 1<<20)
	dir := t.TempDir()
	yaml := fmt.Sprintf("server: {data_log_dir: %q, prealloc_size: 65536}\nstorage: {backend: wal, options: {segment_size: 262144}}\n",
		filepath.Join(logDir, "log"))
	n := startWarrenIn(t, yaml, dir)
	c := crashConnect(t, n.Addr)
	defer c.Close()
	acl := zk.WorldACL(zk.PermAll)
	if _, err := c.Create("/full", []byte("before"), 0, acl); err != nil {
		t.Fatal(err)
	}

	value := make([]byte, 16<<10)
	acked, refused := []string{}, []string{}
	for i := 0; i < 1000 && len(refused) < 5; i++ {
		p := fmt.Sprintf("/full/n%04d", i)
		switch _, err := c.Create(p, value, 0, acl); {
		case err == nil:
			acked = append(acked, p)
		case errors.Is(err, zk.ErrConnectionClosed), errors.Is(err, zk.ErrNoServer):
			t.Fatalf("create %s: %v: the node dropped the client instead of answering", p, err)
		default:
			refused = append(refused, p)
		}
	}
	if len(refused) == 0 {
		t.Fatalf("1 MiB of log device took %d creates of 16 KiB and never filled", len(acked))
	}
	if data, _, err := c.Get("/full"); err != nil || string(data) != "before" {
		t.Fatalf("read while the log device is full: %q, %v", data, err)
	}
	if !strings.Contains(n.Output(), "txn log failed") {
		t.Errorf("nothing in the node's log says the txn log failed:\n%s", n.Output())
	}

	resize(64 << 20)
	if _, err := c.Create("/full/after", value, 0, acl); err != nil {
		t.Fatalf("create once space returned: %v", err)
	}
	acked = append(acked, "/full/after")
	c.Close()
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}

	n2 := startWarrenIn(t, yaml, dir)
	c2 := crashConnect(t, n2.Addr)
	defer c2.Close()
	for _, p := range acked {
		if ok, _, err := c2.Exists(p); !ok || err != nil {
			t.Fatalf("acknowledged %s missing after restart (%v)", p, err)
		}
	}
	for _, p := range refused {
		if ok, _, _ := c2.Exists(p); ok {
			t.Fatalf("refused %s present after restart", p)
		}
	}
	t.Logf("%d creates acknowledged, %d refused while full", len(acked), len(refused))
}
