package wal

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

func TestReadLogDir(t *testing.T) {
	cfg := testConfig(t)
	cfg.LogDir = t.TempDir()
	b := openCfg(t, cfg)
	each(t, b.Log(), 1, 5)
	mustAppendSync(t, b.Log(), zxids(6, 800)...)
	// The backend is open: tools read beside it.
	for _, dir := range []string{cfg.LogDir, walDir(cfg)} {
		it, err := ReadLogDir(dir)
		if err != nil {
			t.Fatalf("ReadLogDir(%s): %v", dir, err)
		}
		got, err := drain(t, it)
		if err != nil {
			t.Fatal(err)
		}
		sameZxids(t, dir, got, zxids(1, 800))
	}
	if _, err := ReadLogDir(t.TempDir() + "/missing"); err == nil {
		t.Error("ReadLogDir of a missing directory succeeded")
	}
}

// TestReadLogDirDamage: a torn tail is skipped and left alone; damage
// elsewhere ends the iteration with ErrCorrupt after the entries before it.
func TestReadLogDirDamage(t *testing.T) {
	base, path, offs, end := oneSegment(t, 30)

	cfg, torn := crashCopy(t, base, path)
	patch(t, torn, offs[29]+5, make([]byte, end-offs[29]-5))
	before, _ := os.ReadFile(torn)
	it, err := ReadLogDir(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := drain(t, it)
	if err != nil {
		t.Fatalf("torn tail: %v", err)
	}
	sameZxids(t, "torn tail", got, zxids(1, 29))
	if after, _ := os.ReadFile(torn); !bytes.Equal(before, after) {
		t.Error("ReadLogDir changed the file")
	}

	cfg, bad := crashCopy(t, base, path)
	flip(t, bad, offs[9]+recordHeaderSize)
	it, err = ReadLogDir(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	got, err = drain(t, it)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("corrupt middle: %v, want ErrCorrupt", err)
	}
	sameZxids(t, "before the damage", got, zxids(1, 9))
}
