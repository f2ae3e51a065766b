package server

import (
	"bufio"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// wireDir holds the shared ZooKeeper captures (see its README.md).
const wireDir = "../../../shared/wire"

// wireLine is one line of a wirecap .jsonl capture: a frame, a raw chunk or
// a connection event, in the order the recording proxy saw them.
type wireLine struct {
	Seq   int    `json:"seq"`
	Dir   string `json:"dir"`
	Conn  int    `json:"conn"`
	Hex   string `json:"hex"`
	Kind  string `json:"kind"`
	Event string `json:"event"`
	Route string `json:"route"`
	Note  string `json:"note"`
	TS    string `json:"ts"`

	data []byte
}

func (l *wireLine) c2s() bool { return l.Dir == "c2s" }

// clientCaptures lists the client-protocol captures, or skips t when the
// shared directory is absent.
func clientCaptures(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join(wireDir, "client")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("wire captures not found at %s: %v", dir, err)
	}
	var files []string
	for _, pat := range []string{"*.jsonl", "*.jsonl.gz"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Skipf("no captures in %s", dir)
	}
	return files
}

// captureName is a capture's file name without its extensions.
func captureName(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(strings.TrimSuffix(base, ".gz"), ".jsonl")
}

// readWireCapture parses one capture file and decodes every line's bytes.
func readWireCapture(t *testing.T, path string) []wireLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("gunzip %s: %v", path, err)
		}
		defer zr.Close()
		r = zr
	}
	var lines []wireLine
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		var l wireLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: bad line: %v", path, err)
		}
		if l.data, err = hex.DecodeString(l.Hex); err != nil {
			t.Fatalf("%s seq %d: bad hex: %v", path, l.Seq, err)
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Seq < lines[j].Seq })
	return lines
}

// scheduleRawTails moves a client's trailing partial frame to where the
// client really sent it. The proxy logs such bytes only when the stream
// ends, so a server that closed the connection on seeing them appears to
// close first (raw-badinput seq 49/50); the bytes must go out before the
// close is awaited.
func scheduleRawTails(lines []wireLine) []wireLine {
	out := append([]wireLine(nil), lines...)
	for i := 0; i < len(out); i++ {
		l := out[i]
		if !l.c2s() || l.Kind != "raw" || !strings.Contains(l.Note, "trailing partial frame") {
			continue
		}
		for j := i - 1; j >= 0; j-- {
			if out[j].Conn != l.Conn {
				continue
			}
			if out[j].Event == "close" && !out[j].c2s() {
				copy(out[j+1:i+1], out[j:i])
				out[j] = l
			}
			break
		}
	}
	return out
}
