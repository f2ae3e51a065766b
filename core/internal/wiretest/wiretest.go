// Package wiretest reads the wire captures in ../shared/wire (see its
// README.md) for the tests of the core packages: the .jsonl files the
// wirecap proxy wrote while real ZooKeeper clients and servers talked.
package wiretest

import (
	"bufio"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// Line is one line of a capture: a frame, a raw chunk or a connection
// event, in the order the proxy saw them.
type Line struct {
	Seq   int    `json:"seq"`
	Dir   string `json:"dir"` // "c2s" or "s2c"
	Conn  int    `json:"conn"`
	Len   int    `json:"len"`
	Hex   string `json:"hex"`
	Kind  string `json:"kind"`
	Event string `json:"event"`
	Route string `json:"route"`
	Note  string `json:"note"`
	TS    string `json:"ts"`

	Bytes []byte `json:"-"` // Hex decoded
}

// Dir is the captures' directory: ../shared/wire beside the repository.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared", "wire")
}

// Files lists the .jsonl and .jsonl.gz captures under Dir()/sub (all of
// them for ""), sorted, or skips tb when there are none.
func Files(tb testing.TB, sub string) []string {
	tb.Helper()
	root := filepath.Join(Dir(), sub)
	if _, err := os.Stat(root); err != nil {
		tb.Skipf("wire captures not found at %s: %v", root, err)
	}
	var files []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".jsonl") || strings.HasSuffix(path, ".jsonl.gz")) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("walk %s: %v", root, err)
	}
	slices.Sort(files)
	if len(files) == 0 {
		tb.Skipf("no captures under %s", root)
	}
	return files
}

// Name is path relative to Dir(), with slashes: "client/java-crud.jsonl".
func Name(path string) string {
	rel, err := filepath.Rel(Dir(), path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(rel)
}

// Read parses one capture, gzipped or not, in file order, decoding every
// line's bytes; name is a path under Dir() or an absolute one. It skips tb
// when the file is absent and fails it on a malformed line.
func Read(tb testing.TB, name string) []Line {
	tb.Helper()
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(Dir(), name)
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Skipf("capture not available: %v", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			tb.Fatalf("gunzip %s: %v", name, err)
		}
		defer zr.Close()
		r = zr
	}
	var lines []Line
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			tb.Fatalf("%s: bad line: %v", name, err)
		}
		if l.Bytes, err = hex.DecodeString(l.Hex); err != nil {
			tb.Fatalf("%s seq %d: bad hex: %v", name, l.Seq, err)
		}
		if l.Kind == "frame" && l.Len != len(l.Bytes) {
			tb.Fatalf("%s seq %d: len %d but %d bytes", name, l.Seq, l.Len, len(l.Bytes))
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return lines
}
