package wal

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warrenzk/warren/storage"
	"github.com/warrenzk/warren/storage/storagetest"
)

// ent is the entry the tests write for zxid z.
func ent(z int64) storage.Entry {
	return storage.Entry{Zxid: z, Data: []byte(fmt.Sprintf("txn %d %s", z, strings.Repeat("x", int(z%17))))}
}

// mustAppendSync appends the entries for zxids and syncs once.
func mustAppendSync(t *testing.T, l storage.TxnLog, zxids ...int64) {
	t.Helper()
	for _, z := range zxids {
		if err := l.Append(ent(z)); err != nil {
			t.Fatalf("Append(%d): %v", z, err)
		}
	}
	if err := l.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// each syncs every zxid in [from, to] on its own, so each is its own write.
func each(t *testing.T, l storage.TxnLog, from, to int64) {
	t.Helper()
	for z := from; z <= to; z++ {
		mustAppendSync(t, l, z)
	}
}

// span returns the zxids from..to.
func zxids(from, to int64) []int64 {
	var zs []int64
	for z := from; z <= to; z++ {
		zs = append(zs, z)
	}
	return zs
}

// drain reads an iterator to its end and returns the zxids, checking
// every entry's data.
func drain(t *testing.T, it storage.Iterator) ([]int64, error) {
	t.Helper()
	defer it.Close()
	var got []int64
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		if want := ent(e.Zxid).Data; !bytes.Equal(e.Data, want) {
			t.Fatalf("entry %d holds %q, want %q", e.Zxid, e.Data, want)
		}
		got = append(got, e.Zxid)
	}
	return got, it.Err()
}

// readZxids reads the whole log.
func readZxids(t *testing.T, l storage.TxnLog) []int64 {
	t.Helper()
	it, err := l.ReadFrom(0)
	if err != nil {
		t.Fatalf("ReadFrom: %v", err)
	}
	got, err := drain(t, it)
	if err != nil {
		t.Fatalf("iterate: %v", err)
	}
	return got
}

// sameZxids fails unless got equals want.
func sameZxids(t *testing.T, what string, got, want []int64) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: zxids %v, want %v", what, got, want)
	}
}

// segmentFiles returns the paths of the segment files of a config's log.
func segmentFiles(t *testing.T, cfg storage.Config) []string {
	t.Helper()
	dir := walDir(cfg)
	names, err := listSegments(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		names[i] = filepath.Join(dir, n)
	}
	return names
}

func walDir(cfg storage.Config) string {
	if cfg.LogDir != "" {
		return filepath.Join(cfg.LogDir, walDirName)
	}
	return filepath.Join(cfg.DataDir, walDirName)
}

// recordOffsets returns the offsets of the records of a segment file and
// the end of the last one.
func recordOffsets(t *testing.T, path string) (offs []int64, end int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	r := recordReader{r: f, off: headerSize, limit: st.Size()}
	for {
		at := r.off
		_, err := r.next()
		if err == io.EOF || err == errEnd {
			return offs, at
		}
		if err != nil {
			t.Fatalf("%s at %d: %v", path, at, err)
		}
		offs = append(offs, at)
	}
}

// oneSegment writes entries 1..n, each in a Sync of its own, closes the
// backend and returns its config, its one segment file, the offsets of
// the records and their end.
func oneSegment(t *testing.T, n int64) (cfg storage.Config, path string, offs []int64, end int64) {
	t.Helper()
	cfg = testConfig(t)
	b := openCfg(t, cfg)
	each(t, b.Log(), 1, n)
	b.Close()
	files := segmentFiles(t, cfg)
	if len(files) != 1 {
		t.Fatalf("%d segments, want 1", len(files))
	}
	offs, end = recordOffsets(t, files[0])
	return cfg, files[0], offs, end
}

// patch overwrites bytes of a file at off.
func patch(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// flip inverts the byte at off of a file.
func flip(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	patch(t, path, off, []byte{^b[off]})
}

// capture points cfg's logger at a new buffer and returns it.
func capture(cfg *storage.Config) *storagetest.LogBuffer {
	b := &storagetest.LogBuffer{}
	cfg.Logger = b.Logger()
	return b
}

// reopen closes b and opens cfg again.
func reopen(t *testing.T, b *Backend, cfg storage.Config) *Backend {
	t.Helper()
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return openCfg(t, cfg)
}

// mustContain fails unless s contains every part.
func mustContain(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s %q does not mention %q", what, s, p)
		}
	}
}
