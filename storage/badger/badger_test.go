package badger

import (
	"errors"
	"slices"
	"testing"

	"go.uber.org/goleak"

	"github.com/warrenzk/warren/storage"
	"github.com/warrenzk/warren/storage/storagetest"
)

// TestMain checks that Close stops every goroutine: ours (value-log GC)
// and Badger's, which it stops in DB.Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// openConfig opens a backend with cfg through the registry, closed at the
// end of the test.
func openConfig(t *testing.T, cfg storage.Config) *Backend {
	t.Helper()
	b, err := storage.Default.Open("badger", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b.(*Backend)
}

// open opens a new, empty backend in a temporary directory, with fsync on
// as in production.
func open(t *testing.T) *Backend {
	t.Helper()
	return openConfig(t, storage.Config{DataDir: t.TempDir()})
}

// reopen closes b and opens its directories again.
func reopen(t *testing.T, b *Backend) *Backend {
	t.Helper()
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return openConfig(t, b.cfg)
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Backend { return open(t) })
}

func TestReopen(t *testing.T) {
	storagetest.RunReopen(t,
		func(t *testing.T) storage.Backend { return open(t) },
		func(t *testing.T, b storage.Backend) storage.Backend { return reopen(t, b.(*Backend)) })
}

// TestSeparateLogDir checks the log's DB goes under LogDir and survives a
// reopen there.
func TestSeparateLogDir(t *testing.T) {
	cfg := storage.Config{DataDir: t.TempDir(), LogDir: t.TempDir()}
	b := openConfig(t, cfg)
	mustAppendSync(t, b.Log(), 1, 2, 3)
	if got := b.logDB.Opts().Dir; got != cfg.LogDir+"/"+logDirName {
		t.Errorf("log DB in %s, want under LogDir %s", got, cfg.LogDir)
	}
	b = reopen(t, b)
	if got := b.Log().LastZxid(); got != 3 {
		t.Errorf("LastZxid after reopen = %d, want 3", got)
	}
}

func TestRegistered(t *testing.T) {
	if !slices.Contains(storage.Default.Names(), "badger") {
		t.Fatalf("badger not in %v", storage.Default.Names())
	}
	if _, err := storage.Default.Open("badger", storage.Config{}); err == nil {
		t.Fatal("opened without a data dir")
	}
}

// TestLocked checks that a second Open of the same directories fails while
// the first is open, saying why, and succeeds once it is closed.
func TestLocked(t *testing.T) {
	cfg := storage.Config{DataDir: t.TempDir()}
	first := openConfig(t, cfg)
	second, err := Open(cfg)
	if err == nil {
		second.Close()
		t.Fatal("a second Open of the same directory succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	t.Logf("second Open: %v", err)
	// The snapshot DB alone locked (a LogDir elsewhere) fails the same way.
	if _, err := Open(storage.Config{DataDir: cfg.DataDir, LogDir: t.TempDir()}); !errors.Is(err, ErrLocked) {
		t.Fatalf("Open with only the snapshot DB held: %v, want ErrLocked", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	openConfig(t, cfg)
}

func mustAppendSync(t *testing.T, l storage.TxnLog, zxids ...int64) {
	t.Helper()
	for _, z := range zxids {
		if err := l.Append(storage.Entry{Zxid: z, Data: []byte{byte(z)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
}

// zxidsOf reads the whole log and returns its zxids.
func zxidsOf(t *testing.T, l storage.TxnLog, from int64) []int64 {
	t.Helper()
	it, err := l.ReadFrom(from)
	if err != nil {
		t.Fatalf("ReadFrom(%d): %v", from, err)
	}
	defer it.Close()
	var zs []int64
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		zs = append(zs, e.Zxid)
	}
	if err := it.Err(); err != nil {
		t.Fatalf("iterate from %d: %v", from, err)
	}
	return zs
}
