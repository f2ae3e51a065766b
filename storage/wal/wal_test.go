package wal

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.uber.org/goleak"

	"github.com/warrenzk/warren/storage"
	"github.com/warrenzk/warren/storage/storagetest"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(lockHelperEnv); dir != "" {
		holdLock(dir)
		return
	}
	goleak.VerifyTestMain(m)
}

// quiet discards what the backend logs; tests that check the log use
// their own.
var quiet = slog.New(slog.DiscardHandler)

// testConfig is a small, fast configuration on a fresh directory: tiny
// segments and preallocation, so rolls and extensions happen often.
func testConfig(t *testing.T) storage.Config {
	return storage.Config{
		DataDir:      t.TempDir(),
		PreAllocSize: 4 << 10,
		Logger:       quiet,
		Options:      map[string]any{"segment_size": 8 << 10},
	}
}

// openCfg opens a backend and closes it when the test ends.
func openCfg(t *testing.T, cfg storage.Config) *Backend {
	t.Helper()
	b, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Backend { return openCfg(t, testConfig(t)) })
}

func TestConformanceDefaults(t *testing.T) {
	// Default segment and preallocation sizes, the log on its own dir.
	storagetest.Run(t, func(t *testing.T) storage.Backend {
		return openCfg(t, storage.Config{DataDir: t.TempDir(), LogDir: t.TempDir(), Logger: quiet})
	})
}

// cfgs remembers each open backend's configuration, so reopen can reuse it.
var cfgs = map[*Backend]storage.Config{}

func openRemembered(t *testing.T) storage.Backend {
	cfg := testConfig(t)
	cfg.LogDir = t.TempDir()
	b := openCfg(t, cfg)
	cfgs[b] = cfg
	return b
}

// reopenWith returns a reopen function for storagetest.RunReopen: end
// ends the old backend's life and returns the config to open next.
func reopenWith(end func(t *testing.T, old *Backend, cfg storage.Config) storage.Config) func(*testing.T, storage.Backend) storage.Backend {
	return func(t *testing.T, old storage.Backend) storage.Backend {
		cfg := end(t, old.(*Backend), cfgs[old.(*Backend)])
		b := openCfg(t, cfg)
		cfgs[b] = cfg
		return b
	}
}

func TestReopen(t *testing.T) {
	storagetest.RunReopen(t, openRemembered, reopenWith(func(t *testing.T, old *Backend, cfg storage.Config) storage.Config {
		if err := old.Close(); err != nil {
			t.Fatal(err)
		}
		return cfg
	}))
}

// TestReopenCrash restarts from a copy of the files taken while the backend
// was still open, as a crash would leave them, without Close.
func TestReopenCrash(t *testing.T) {
	storagetest.RunReopen(t, openRemembered, reopenWith(func(t *testing.T, old *Backend, cfg storage.Config) storage.Config {
		crashed := cfg
		crashed.DataDir, crashed.LogDir = t.TempDir(), t.TempDir()
		copyDir(t, cfg.DataDir, crashed.DataDir)
		copyDir(t, cfg.LogDir, crashed.LogDir)
		return crashed
	}))
}

// copyDir copies the regular files under src into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o750)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, in)
		return err
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

func TestRegistered(t *testing.T) {
	if !slices.Contains(storage.Default.Names(), "wal") {
		t.Fatalf("wal not in %v", storage.Default.Names())
	}
	cfg := testConfig(t)
	b, err := storage.Default.Open("wal", cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
}
