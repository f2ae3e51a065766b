package snapshot

import (
	"bytes"
	"hash/adler32"
	"math/rand/v2"
	"testing"
)

func TestAdlerExtend(t *testing.T) {
	b := make([]byte, 20000)
	for i := range b {
		b[i] = byte(rand.IntN(256))
	}
	b[100] = 0xff
	for _, cut := range []int{0, 1, 15, 16, 17, 5552, 5553, 12345, len(b)} {
		if got, want := adlerExtend(adlerExtend(1, b[:cut]), b[cut:]), adler32.Checksum(b); got != want {
			t.Errorf("cut %d: %#x, want %#x", cut, got, want)
		}
	}
	for n := range 100 { // every tail length, every lane position
		if got, want := adlerExtend(1, b[:n]), adler32.Checksum(b[:n]); got != want {
			t.Errorf("%d bytes: %#x, want %#x", n, got, want)
		}
	}
	// The worst case for overflow: every byte 0xff, over several runs
	// between reductions.
	ff := bytes.Repeat([]byte{0xff}, 3*adlerRun+17)
	if got, want := adlerExtend(1, ff), adler32.Checksum(ff); got != want {
		t.Errorf("0xff run: %#x, want %#x", got, want)
	}
	if got, want := adlerExtend(adlerExtend(1, ff[:adlerRun]), ff[adlerRun:]), adler32.Checksum(ff); got != want {
		t.Errorf("0xff run in two: %#x, want %#x", got, want)
	}
	// And from the largest state an Adler-32 can be in.
	big := uint32(adlerMod-1)<<16 | (adlerMod - 1)
	if got := adlerExtend(big, ff[:adlerRun]); got>>16 >= adlerMod || got&0xffff >= adlerMod {
		t.Errorf("from %#x: %#x is not reduced", big, got)
	}
}

func FuzzAdlerExtend(f *testing.F) {
	f.Add([]byte("Wikipedia"), 3)
	f.Add(bytes.Repeat([]byte{0xff}, 100), 17)
	f.Fuzz(func(t *testing.T, p []byte, cut int) {
		if cut < 0 || cut > len(p) {
			cut = len(p) / 2
		}
		if got, want := adlerExtend(adlerExtend(1, p[:cut]), p[cut:]), adler32.Checksum(p); got != want {
			t.Errorf("%x cut at %d: %#x, want %#x", p, cut, got, want)
		}
	})
}

// BenchmarkAdler compares adlerExtend with hash/adler32 over the 32 KiB a
// snapshot is written in.
func BenchmarkAdler(b *testing.B) {
	p := make([]byte, 32<<10)
	for i := range p {
		p[i] = byte(rand.IntN(256))
	}
	b.Run("adlerExtend", func(b *testing.B) {
		b.SetBytes(int64(len(p)))
		for b.Loop() {
			adlerExtend(1, p)
		}
	})
	b.Run("hash-adler32", func(b *testing.B) {
		b.SetBytes(int64(len(p)))
		for b.Loop() {
			adler32.Checksum(p)
		}
	})
}
