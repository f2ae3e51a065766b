package zkdata

import (
	"bytes"
	"hash/adler32"
	"os"
	"path/filepath"
	"testing"
)

// trimmed returns a ZooKeeper log file without most of its preallocated
// zeros, so that the fuzzer spends its time on records.
func trimmed(b []byte) []byte {
	end := len(bytes.TrimRight(b, "\x00"))
	return b[:min(len(b), end+16)]
}

// FuzzLogReader feeds the log reader arbitrary files, seeded with the log
// files of a real ZooKeeper 3.8: it must never panic, and every entry it
// yields must be a checksummed record holding a txn header.
func FuzzLogReader(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(zk38, "version-2", "log.*"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(trimmed(b))
	}
	f.Add(logFile(record(txnBytes(1)), record(txnBytes(2))))
	f.Add(logFile(record(txnBytes(1)), make([]byte, 12)))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := NewLogReader(bytes.NewReader(b), "fuzz")
		if err != nil {
			return
		}
		for e, ok := l.Next(); ok; e, ok = l.Next() {
			if len(e.Data) < txnHeaderLen {
				t.Fatalf("entry of %d bytes", len(e.Data))
			}
			// The checksum in the file matched these bytes.
			off := l.Offset()
			if got := adler32.Checksum(e.Data); int64(b[off+4])<<24|int64(b[off+5])<<16|int64(b[off+6])<<8|int64(b[off+7]) != int64(got) {
				t.Fatalf("entry at %d does not match its checksum", off)
			}
			DecodeTxn(e.Data) // must not panic either
		}
		if l.Err() != nil && l.Torn() != "" {
			t.Fatal("both an error and a torn tail")
		}
	})
}

// FuzzDecodeTxn checks that no txn bytes make DecodeTxn panic.
func FuzzDecodeTxn(f *testing.F) {
	f.Add(txnBytes(1))
	files, _ := filepath.Glob(filepath.Join(zk38, "version-2", "log.*"))
	for _, name := range files {
		l, err := OpenLog(name)
		if err != nil {
			f.Fatal(err)
		}
		for e, ok := l.Next(); ok; e, ok = l.Next() {
			f.Add(bytes.Clone(e.Data))
		}
		l.Close()
	}
	f.Fuzz(func(t *testing.T, b []byte) { DecodeTxn(b) })
}
