package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warrenzk/warren/storage"
)

// crashCopy copies a closed backend's data dir to a fresh one and returns
// its config and the copy of path.
func crashCopy(t *testing.T, base storage.Config, path string) (storage.Config, string) {
	t.Helper()
	cfg := base
	cfg.DataDir = t.TempDir()
	copyDir(t, base.DataDir, cfg.DataDir)
	rel, err := filepath.Rel(base.DataDir, path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, filepath.Join(cfg.DataDir, rel)
}

// TestTornTailEveryByte cuts the last record at every byte, by truncating
// the file and by zeroing the rest of the record in preallocated space: a
// write that a crash interrupted. Open drops that record, says so, and the
// log takes writes again.
func TestTornTailEveryByte(t *testing.T) {
	base, last, offs, end := oneSegment(t, 20)
	start := offs[len(offs)-1]
	whole, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	for cut := start; cut < end; cut++ {
		for _, how := range []string{"truncated", "zeroed"} {
			cfg, path := crashCopy(t, base, last)
			if how == "truncated" {
				if err := os.Truncate(path, cut); err != nil {
					t.Fatal(err)
				}
			} else {
				patch(t, path, cut, make([]byte, end-cut))
			}
			logs := capture(&cfg)
			b := openCfg(t, cfg)
			what := fmt.Sprintf("cut at %d (%s)", cut, how)
			sameZxids(t, what, readZxids(t, b.Log()), zxids(1, 19))
			if got := b.Log().LastZxid(); got != 19 {
				t.Fatalf("%s: LastZxid %d, want 19", what, got)
			}
			if isZero(whole[start:cut]) {
				if s := logs.String(); s != "" {
					t.Errorf("%s: only zeros were left, yet open logged %q", what, s)
				}
			} else {
				mustContain(t, what+": log", logs.String(), "torn write", path, fmt.Sprintf("offset=%d", start), "bytes_dropped=")
			}
			mustAppendSync(t, b.Log(), 20)
			b = reopen(t, b, cfg)
			sameZxids(t, what+", appended and reopened", readZxids(t, b.Log()), zxids(1, 20))
			b.Close()
		}
	}
}

// TestTornWriteLaterPagesSurvived loses a page in the middle of the last
// write while its later pages reached the disk, as a crash may leave it:
// the records after the hole came from the same unfinished write, so
// recovery cuts at the hole rather than refusing to open.
func TestTornWriteLaterPagesSurvived(t *testing.T) {
	base := testConfig(t)
	b := openCfg(t, base)
	each(t, b.Log(), 1, 5)
	mustAppendSync(t, b.Log(), zxids(6, 30)...) // one write
	b.Close()
	path := segmentFiles(t, base)[0]
	offs, _ := recordOffsets(t, path)
	for _, how := range []string{"zeroed", "garbled"} {
		cfg, copied := crashCopy(t, base, path)
		hole := make([]byte, offs[10]-offs[9]) // record 10
		if how == "garbled" {
			for i := range hole {
				hole[i] = 0xa5
			}
		}
		patch(t, copied, offs[9], hole)
		logs := capture(&cfg)
		b := openCfg(t, cfg)
		sameZxids(t, how, readZxids(t, b.Log()), zxids(1, 9))
		mustContain(t, how+": log", logs.String(), "torn write", fmt.Sprintf("offset=%d", offs[9]))
		b.Close()
	}
}

// TestCorruptMiddle damages one record that later writes follow: those
// were durable, so this one was too, and open must refuse, naming the file
// and offset and saying what to do.
func TestCorruptMiddle(t *testing.T) {
	base, path, offs, _ := oneSegment(t, 30)
	at := offs[9]
	fields := []struct {
		name string
		off  int64
	}{{"length", 3}, {"crc", 5}, {"write offset", 10}, {"zxid", 19}, {"data", recordHeaderSize + 2}}
	for _, f := range fields {
		t.Run(f.name, func(t *testing.T) {
			cfg, copied := crashCopy(t, base, path)
			flip(t, copied, at+f.off)
			wantCorrupt(t, cfg, copied, at)
		})
	}
	t.Run("zeroed", func(t *testing.T) {
		cfg, copied := crashCopy(t, base, path)
		patch(t, copied, at, make([]byte, offs[10]-at))
		wantCorrupt(t, cfg, copied, at)
	})
}

// TestCorruptMiddleForceSyncOff: without fsyncs between writes a later
// write may reach the disk before an earlier one, so the same damage is
// cut as a torn write instead of refused.
func TestCorruptMiddleForceSyncOff(t *testing.T) {
	base, path, offs, _ := oneSegment(t, 30)
	cfg, copied := crashCopy(t, base, path)
	flip(t, copied, offs[9]+recordHeaderSize)
	cfg.NoSync = true
	logs := capture(&cfg)
	b := openCfg(t, cfg)
	sameZxids(t, "cut", readZxids(t, b.Log()), zxids(1, 9))
	mustContain(t, "log", logs.String(), "torn write", "later_write_at", "force sync is off")
}

// wantCorrupt checks that opening cfg fails for damage at path, offset at.
func wantCorrupt(t *testing.T, cfg storage.Config, path string, at int64) {
	t.Helper()
	b, err := Open(cfg)
	if err == nil {
		b.Close()
		t.Fatalf("Open succeeded over damage at %s:%d", path, at)
	}
	var ce *CorruptError
	if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) {
		t.Fatalf("Open: %v, want a CorruptError", err)
	}
	if ce.Path != path || ce.Offset != at {
		t.Errorf("damage reported at %s:%d, want %s:%d", ce.Path, ce.Offset, path, at)
	}
	mustContain(t, "error", err.Error(), path, fmt.Sprintf("offset %d", at), "backup", "resync", "Moving")
}

// TestCorruptNonLastSegment damages the last record of a segment that is
// not the last one: no crash explains that, since a segment is complete
// and fsynced before the next is created.
func TestCorruptNonLastSegment(t *testing.T) {
	base, files := multiSegment(t)
	offs, end := recordOffsets(t, files[0])
	t.Run("flipped", func(t *testing.T) {
		cfg, copied := crashCopy(t, base, files[0])
		flip(t, copied, offs[len(offs)-1]+recordHeaderSize)
		wantCorrupt(t, cfg, copied, offs[len(offs)-1])
	})
	t.Run("truncated", func(t *testing.T) {
		cfg, copied := crashCopy(t, base, files[0])
		if err := os.Truncate(copied, end-3); err != nil {
			t.Fatal(err)
		}
		wantCorrupt(t, cfg, copied, offs[len(offs)-1])
	})
}

func TestBadHeader(t *testing.T) {
	base, path, _, _ := oneSegment(t, 3)
	version2 := encodeHeader(0)
	binary.BigEndian.PutUint32(version2[4:], 2)
	binary.BigEndian.PutUint32(version2[28:], crc32.Checksum(version2[:28], castagnoli))
	tests := []struct {
		name   string
		header []byte
		want   string
	}{
		{"magic", []byte("ZKLG"), "magic"},
		{"version", version2, "version 2"},
		{"checksum", append(encodeHeader(0)[:16], 1), "header checksum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, copied := crashCopy(t, base, path)
			patch(t, copied, 0, tt.header)
			_, err := Open(cfg)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open: %v, want ErrCorrupt", err)
			}
			mustContain(t, "error", err.Error(), copied, "offset 0", tt.want)
		})
	}
}

// multiSegment writes a log of several segments and returns its config
// and segment files.
func multiSegment(t *testing.T) (storage.Config, []string) {
	t.Helper()
	cfg := testConfig(t)
	b := openCfg(t, cfg)
	mustAppendSync(t, b.Log(), zxids(1, 900)...)
	b.Close()
	files := segmentFiles(t, cfg)
	if len(files) < 4 {
		t.Fatalf("%d segments, want 4 or more", len(files))
	}
	return cfg, files
}

func TestMissingSegment(t *testing.T) {
	base, files := multiSegment(t)
	cfg, copied := crashCopy(t, base, files[1])
	if err := os.Remove(copied); err != nil {
		t.Fatal(err)
	}
	_, err := Open(cfg)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open: %v, want ErrCorrupt", err)
	}
	mustContain(t, "error", err.Error(), filepath.Base(files[2]), filepath.Base(files[0]), "missing")
}

func TestOutOfOrderSegment(t *testing.T) {
	base, files := multiSegment(t)
	// Another log whose only segment starts inside the first one's range.
	offs, _ := recordOffsets(t, files[0])
	other := testConfig(t)
	b := openCfg(t, other)
	start := int64(len(offs) / 2)
	mustAppendSync(t, b.Log(), zxids(start, start+5)...)
	b.Close()
	cfg, second := crashCopy(t, base, files[1])
	for _, f := range files[1:] {
		os.Remove(filepath.Join(filepath.Dir(second), filepath.Base(f)))
	}
	copyDir(t, walDir(other), filepath.Dir(second))
	_, err := Open(cfg)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open: %v, want ErrCorrupt", err)
	}
	mustContain(t, "error", err.Error(), segmentName(start), "out of order")
}

// TestTornHeader: a crash while the next segment was being created leaves
// it empty or zero-filled; open removes it.
func TestTornHeader(t *testing.T) {
	base := testConfig(t)
	b := openCfg(t, base)
	each(t, b.Log(), 1, 5)
	b.Close()
	for _, size := range []int{0, 10, 4096} {
		cfg := base
		cfg.DataDir = t.TempDir()
		copyDir(t, base.DataDir, cfg.DataDir)
		// A roll completes the old segment before creating the next.
		first := filepath.Join(walDir(cfg), segmentName(1))
		_, end := recordOffsets(t, first)
		if err := os.Truncate(first, end); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(walDir(cfg), segmentName(6))
		if err := os.WriteFile(path, make([]byte, size), 0o640); err != nil {
			t.Fatal(err)
		}
		logs := capture(&cfg)
		b := openCfg(t, cfg)
		mustContain(t, "log", logs.String(), "creation a crash interrupted", path)
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%d-byte torn segment still there: %v", size, err)
		}
		mustAppendSync(t, b.Log(), 6)
		b = reopen(t, b, cfg)
		sameZxids(t, "after a torn header", readZxids(t, b.Log()), zxids(1, 6))
		b.Close()
	}
}

func TestGarbageFileNamesIgnored(t *testing.T) {
	cfg := testConfig(t)
	b := openCfg(t, cfg)
	each(t, b.Log(), 1, 3)
	b.Close()
	for _, name := range []string{"log.1", "log.zz00000000000001", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(walDir(cfg), name), []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	b = openCfg(t, cfg)
	sameZxids(t, "with stray files", readZxids(t, b.Log()), zxids(1, 3))
	if !strings.HasSuffix(segmentFiles(t, cfg)[0], segmentName(1)) {
		t.Error("stray file taken for a segment")
	}
}
