package proto

import (
	"testing"

	"github.com/warrenzk/warren/core/internal/wiretest"
)

// capture is one capture file, lines in file order.
type capture struct {
	name  string // path relative to the captures' directory, e.g. "client/java-crud.jsonl"
	lines []wiretest.Line
}

// readCapture reads one capture file.
func readCapture(tb testing.TB, path string) capture {
	tb.Helper()
	return capture{name: wiretest.Name(path), lines: wiretest.Read(tb, path)}
}

// captureFiles lists every capture, or skips tb when there are none.
func captureFiles(tb testing.TB) []string {
	tb.Helper()
	return wiretest.Files(tb, "")
}
