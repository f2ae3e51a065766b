package wal

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"testing"

	"github.com/warrenzk/warren/storage"
)

// faultFS is the real file system with errors injected by operation:
// "create", "write", "allocate", "truncate", "datasync", "sync", "remove",
// "syncdir". It counts every call.
type faultFS struct {
	osFS
	mu     sync.Mutex
	calls  map[string]int
	faults map[string]*fault
}

type fault struct {
	err   error
	skip  int // calls to let through first
	times int // calls to fail, then pass; -1: all
}

func newFaultFS() *faultFS {
	return &faultFS{calls: map[string]int{}, faults: map[string]*fault{}}
}

// fail makes op fail with err, times times (-1: until cleared), after
// letting skip calls through.
func (fs *faultFS) fail(op string, err error, skip, times int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.faults[op] = &fault{err, skip, times}
}

func (fs *faultFS) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	clear(fs.faults)
}

func (fs *faultFS) count(op string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.calls[op]
}

func (fs *faultFS) check(op string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.calls[op]++
	f := fs.faults[op]
	switch {
	case f == nil || f.times == 0:
		return nil
	case f.skip > 0:
		f.skip--
		return nil
	case f.times > 0:
		f.times--
	}
	return f.err
}

func (fs *faultFS) Create(path string) (segmentFile, error) {
	if err := fs.check("create"); err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f, err := fs.osFS.Create(path)
	if err != nil {
		return nil, err
	}
	return &faultFile{f, fs}, nil
}

func (fs *faultFS) OpenFile(path string) (segmentFile, error) {
	f, err := fs.osFS.OpenFile(path)
	if err != nil {
		return nil, err
	}
	return &faultFile{f, fs}, nil
}

func (fs *faultFS) Remove(path string) error {
	if err := fs.check("remove"); err != nil {
		return err
	}
	return fs.osFS.Remove(path)
}

func (fs *faultFS) SyncDir(dir string) error {
	if err := fs.check("syncdir"); err != nil {
		return err
	}
	return fs.osFS.SyncDir(dir)
}

type faultFile struct {
	segmentFile
	fs *faultFS
}

// WriteAt fails after writing half of p, as a disk filling up would.
func (f *faultFile) WriteAt(p []byte, off int64) (int, error) {
	if err := f.fs.check("write"); err != nil {
		n, _ := f.segmentFile.WriteAt(p[:len(p)/2], off)
		return n, err
	}
	return f.segmentFile.WriteAt(p, off)
}

func (f *faultFile) Allocate(size int64) error {
	if err := f.fs.check("allocate"); err != nil {
		return err
	}
	return f.segmentFile.Allocate(size)
}

func (f *faultFile) Truncate(size int64) error {
	if err := f.fs.check("truncate"); err != nil {
		return err
	}
	return f.segmentFile.Truncate(size)
}

func (f *faultFile) Datasync() error {
	if err := f.fs.check("datasync"); err != nil {
		return err
	}
	return f.segmentFile.Datasync()
}

func (f *faultFile) Sync() error {
	if err := f.fs.check("sync"); err != nil {
		return err
	}
	return f.segmentFile.Sync()
}

// openFS opens cfg with fs and closes the backend when the test ends.
func openFS(t *testing.T, cfg storage.Config, fs fileSystem) *Backend {
	t.Helper()
	b, err := open(cfg, fs)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestSyncFailure injects ENOSPC and EIO into each step of a Sync. The log
// must fall back to what the previous Sync made durable, leave nothing on
// disk past it, and take the same entries again once the fault is gone.
func TestSyncFailure(t *testing.T) {
	tests := []struct {
		name string
		op   string
		err  error
		skip int
		roll bool // the batch spans several segments
	}{
		{"write ENOSPC", "write", syscall.ENOSPC, 0, false},
		{"preallocate ENOSPC", "allocate", syscall.ENOSPC, 0, false},
		{"fdatasync EIO", "datasync", syscall.EIO, 0, false},
		{"write ENOSPC in the second segment", "write", syscall.ENOSPC, 2, true},
		{"segment create ENOSPC", "create", syscall.ENOSPC, 1, true},
		{"complete segment fsync EIO", "sync", syscall.EIO, 0, true},
		{"fdatasync EIO after a roll", "datasync", syscall.EIO, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFaultFS()
			cfg := testConfig(t)
			b := openFS(t, cfg, fs)
			l := b.Log()
			each(t, l, 1, 10)
			before := segmentFiles(t, cfg)
			batch := zxids(11, 150) // crosses the 4 KiB preallocation, not 8 KiB
			if tt.roll {
				batch = zxids(11, 600) // several 8 KiB segments
			}
			calls := fs.count(tt.op)
			fs.fail(tt.op, tt.err, tt.skip, 1)
			for _, z := range batch {
				if err := l.Append(ent(z)); err != nil {
					t.Fatal(err)
				}
			}
			err := l.Sync()
			if !errors.Is(err, tt.err) {
				t.Fatalf("Sync = %v, want %v", err, tt.err)
			}
			if fs.count(tt.op) <= calls+tt.skip {
				t.Fatalf("the fault at %s was never reached", tt.op)
			}
			if got := l.LastZxid(); got != 10 {
				t.Errorf("LastZxid after a failed Sync = %d, want 10", got)
			}
			sameZxids(t, "after a failed Sync", readZxids(t, l), zxids(1, 10))
			sameFiles(t, segmentFiles(t, cfg), before)
			last := before[len(before)-1]
			if _, end := recordOffsets(t, last); fileSize(t, last) != end {
				t.Errorf("%s is %d bytes after the undo, want %d (its synced records)", last, fileSize(t, last), end)
			}

			// The cause is gone: the same entries go in.
			mustAppendSync(t, l, batch...)
			want := append(zxids(1, 10), batch...)
			sameZxids(t, "after a retry", readZxids(t, l), want)
			b.Close()
			b = openCfg(t, cfg)
			sameZxids(t, "reopened", readZxids(t, b.Log()), want)
		})
	}
}

// TestUndoFails: when the files cannot be put back (fsync keeps failing),
// the log refuses writes until it is reopened, and the reopened log holds
// what was synced, possibly followed by some of what was not.
func TestUndoFails(t *testing.T) {
	fs := newFaultFS()
	cfg := testConfig(t)
	b := openFS(t, cfg, fs)
	l := b.Log()
	each(t, l, 1, 10)
	fs.fail("datasync", syscall.EIO, 0, -1)
	fs.fail("sync", syscall.EIO, 0, -1)
	if err := l.Append(ent(11)); err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Sync = %v, want EIO", err)
	}
	fs.clear()
	err := l.Append(ent(11))
	if err == nil {
		t.Fatal("Append succeeded on a log whose undo failed")
	}
	mustContain(t, "error", err.Error(), "reopened")
	if err := l.Sync(); err == nil {
		t.Error("Sync succeeded on a log whose undo failed")
	}
	b.Close()
	b = openCfg(t, cfg)
	got := readZxids(t, b.Log())
	if len(got) < 10 || len(got) > 11 {
		t.Fatalf("reopened log holds %v, want 1..10, maybe 11", got)
	}
	sameZxids(t, "reopened", got, zxids(1, int64(len(got))))
}

func sameFiles(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("segment files %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("segment files %v, want %v", got, want)
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
