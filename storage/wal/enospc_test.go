package wal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/warrenzk/warren/storage"
)

// TestRealENOSPC fills a small tmpfs until Sync fails, then frees space:
// the log keeps exactly what was synced and takes writes again. It needs
// root (to mount) and skips otherwise.
func TestRealENOSPC(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=512k"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, make([]byte, 192<<10), 0o640); err != nil {
		t.Fatal(err)
	}
	cfg := storage.Config{
		DataDir:      filepath.Join(dir, "data"),
		PreAllocSize: 32 << 10,
		Logger:       quiet,
		Options:      map[string]any{"segment_size": 64 << 10},
	}
	b := openCfg(t, cfg)
	l := b.Log()
	data := bytes.Repeat([]byte("z"), 1000)
	var synced int64
	var err error
	for z := int64(1); z < 10_000; z += 10 {
		for i := z; i < z+10; i++ {
			if err := l.Append(storage.Entry{Zxid: i, Data: data}); err != nil {
				t.Fatal(err)
			}
		}
		if err = l.Sync(); err != nil {
			break
		}
		synced = z + 9
	}
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("filling the disk: Sync = %v, want ENOSPC", err)
	}
	if synced == 0 {
		t.Fatal("nothing fit before the disk was full")
	}
	check := func(what string, l storage.TxnLog, last int64) {
		t.Helper()
		if got := l.LastZxid(); got != last {
			t.Fatalf("%s: LastZxid %d, want %d", what, got, last)
		}
		it, err := l.ReadFrom(0)
		if err != nil {
			t.Fatal(err)
		}
		defer it.Close()
		n := int64(0)
		for e, ok := it.Next(); ok; e, ok = it.Next() {
			n++
			if e.Zxid != n || !bytes.Equal(e.Data, data) {
				t.Fatalf("%s: entry %d is %d", what, n, e.Zxid)
			}
		}
		if it.Err() != nil || n != last {
			t.Fatalf("%s: read %d entries (%v), want %d", what, n, it.Err(), last)
		}
	}
	t.Logf("full after zxid %d: %v", synced, err)
	check("disk full", l, synced)

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	for i := synced + 1; i <= synced+10; i++ {
		if err := l.Append(storage.Entry{Zxid: i, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Sync(); err != nil {
		t.Fatalf("Sync with space freed: %v", err)
	}
	b = reopen(t, b, cfg)
	check("reopened", b.Log(), synced+10)
}
