package server

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/warrenzk/warren/core/internal/wiretest"
)

// clientCaptures lists the client-protocol captures, or skips t when the
// shared directory is absent.
func clientCaptures(t *testing.T) []string {
	t.Helper()
	return wiretest.Files(t, "client")
}

// captureName is a capture's file name without its extensions.
func captureName(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(strings.TrimSuffix(base, ".gz"), ".jsonl")
}

// readWireCapture reads one capture in Seq order.
func readWireCapture(t *testing.T, path string) []wiretest.Line {
	t.Helper()
	lines := wiretest.Read(t, path)
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Seq < lines[j].Seq })
	return lines
}

// scheduleRawTails moves a client's trailing partial frame to where the
// client really sent it. The proxy logs such bytes only when the stream
// ends, so a server that closed the connection on seeing them appears to
// close first (raw-badinput seq 49/50); the bytes must go out before the
// close is awaited.
func scheduleRawTails(lines []wiretest.Line) []wiretest.Line {
	out := append([]wiretest.Line(nil), lines...)
	for i := 0; i < len(out); i++ {
		l := out[i]
		if l.Dir != "c2s" || l.Kind != "raw" || !strings.Contains(l.Note, "trailing partial frame") {
			continue
		}
		for j := i - 1; j >= 0; j-- {
			if out[j].Conn != l.Conn {
				continue
			}
			if out[j].Event == "close" && out[j].Dir != "c2s" {
				copy(out[j+1:i+1], out[j:i])
				out[j] = l
			}
			break
		}
	}
	return out
}
