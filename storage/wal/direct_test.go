package wal

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// The bytes a directWriter writes are the bytes given, whatever the write
// sizes, across block boundaries, with an unaligned tail, on the temp dir's
// file system and on tmpfs (where O_DIRECT may be refused).
func TestDirectWriterWritesEverything(t *testing.T) {
	dirs := []string{t.TempDir()}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		d, err := os.MkdirTemp("/dev/shm", "warren-direct-")
		if err == nil {
			t.Cleanup(func() { os.RemoveAll(d) })
			dirs = append(dirs, d)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, dir := range dirs {
		for _, total := range []int{0, 1, directAlign, 3*directAlign + 17, 200_000} {
			f, err := os.Create(filepath.Join(dir, "snap"))
			if err != nil {
				t.Fatal(err)
			}
			w := newDirectWriter(f, 2*directAlign)
			want := make([]byte, total)
			for i := range want {
				want[i] = byte(rng.Uint32())
			}
			for rest := want; len(rest) > 0; {
				n := min(len(rest), 1+rng.IntN(3*directAlign))
				if got, err := w.Write(rest[:n]); err != nil || got != n {
					t.Fatalf("%s: Write(%d bytes) = %d, %v", dir, n, got, err)
				}
				rest = rest[n:]
			}
			if err := w.Flush(); err != nil {
				t.Fatalf("%s: Flush: %v", dir, err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(f.Name())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: %d bytes written, file holds %d (direct=%v), or different bytes", dir, total, len(got), w.direct)
			}
		}
	}
}
