package proto

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

// wireDir is where the shared wire captures live, relative to this package.
const wireDir = "../../../shared/wire"

// captureLine is one line of a wirecap .jsonl file (see wire/README.md).
type captureLine struct {
	Seq   int    `json:"seq"`
	Dir   string `json:"dir"`
	Conn  int    `json:"conn"`
	Len   int    `json:"len"`
	Hex   string `json:"hex"`
	Kind  string `json:"kind"`
	Event string `json:"event"`
	Route string `json:"route"`
	Note  string `json:"note"`

	bytes []byte
}

// capture is one capture file, lines in file order.
type capture struct {
	name  string // path relative to wireDir, e.g. "client/java-crud.jsonl"
	lines []captureLine
}

// captureFiles lists every .jsonl and .jsonl.gz file under wireDir, or
// skips tb when the directory is absent.
func captureFiles(tb testing.TB) []string {
	tb.Helper()
	if _, err := os.Stat(wireDir); err != nil {
		tb.Skipf("wire captures not found at %s: %v", wireDir, err)
	}
	var files []string
	err := filepath.WalkDir(wireDir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".jsonl") || strings.HasSuffix(path, ".jsonl.gz")) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("walk %s: %v", wireDir, err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		tb.Skipf("no captures under %s", wireDir)
	}
	return files
}

// readCapture parses one capture file, decoding every line's hex.
func readCapture(tb testing.TB, path string) capture {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("open capture: %v", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			tb.Fatalf("gunzip %s: %v", path, err)
		}
		defer zr.Close()
		r = zr
	}
	rel, _ := filepath.Rel(wireDir, path)
	c := capture{name: filepath.ToSlash(rel)}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		var l captureLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			tb.Fatalf("%s: bad json line: %v", c.name, err)
		}
		if l.bytes, err = hex.DecodeString(l.Hex); err != nil {
			tb.Fatalf("%s seq %d: bad hex: %v", c.name, l.Seq, err)
		}
		if l.Kind == "frame" && l.Len != len(l.bytes) {
			tb.Fatalf("%s seq %d: len %d but %d bytes", c.name, l.Seq, l.Len, len(l.bytes))
		}
		c.lines = append(c.lines, l)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("%s: %v", c.name, err)
	}
	return c
}

// loadCaptures reads every capture file, or skips tb when there are none.
func loadCaptures(tb testing.TB) []capture {
	tb.Helper()
	var out []capture
	for _, f := range captureFiles(tb) {
		out = append(out, readCapture(tb, f))
	}
	return out
}
