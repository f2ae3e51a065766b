package snapshot

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/snappy/xerial"
	"github.com/warrenzk/warren/core/internal/wiretest"
)

// FuzzRead feeds Read arbitrary bytes, seeded with ZooKeeper's own files, a
// leader's SNAP stream from the wire captures and streams Write produced: it must never panic, and what it accepts must
// survive a Write and Read unchanged.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "snapshot.*"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	if _, err := os.Stat(filepath.Join(wiretest.Dir(), snapCapture)); err == nil {
		f.Add(asFile(captureSnap(f)))
	}
	sample := write(f, []Session{{ID: 1, Timeout: 2}}, sampleTreeTB(f))
	f.Add(sample)
	f.Add(section(sample, digestSection))
	f.Add(section(section(sample, digestSection), zxidSection))
	f.Add(xerial.Encode(nil, sample))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Read(bytes.NewReader(b), opts)
		if err != nil {
			return
		}
		again, err := Read(bytes.NewReader(write(t, s.Sessions, s.Tree)), opts)
		if err != nil {
			t.Fatalf("rewritten snapshot unreadable: %v", err)
		}
		if !bytes.Equal(treeBytes(again.Tree), treeBytes(s.Tree)) {
			t.Fatal("rewritten snapshot differs")
		}
	})
}
