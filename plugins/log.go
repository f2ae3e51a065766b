package plugins

import (
	"bytes"
	"context"
	"log/slog"
	"strings"

	"github.com/hashicorp/go-hclog"
)

// newHCLogger returns the hclog logger go-plugin wants, writing into log:
// go-plugin's own lines and the plugin's (which it relays with their level).
func newHCLogger(log *slog.Logger) hclog.Logger {
	level := hclog.Info
	if log.Enabled(context.Background(), slog.LevelDebug) {
		level = hclog.Debug
	}
	return hclog.New(&hclog.LoggerOptions{
		Output:      slogWriter{log},
		Level:       level,
		DisableTime: true,
	})
}

// slogWriter turns hclog's text lines ("[WARN]  msg: k=v") into slog records.
type slogWriter struct{ log *slog.Logger }

var hclogLevels = []struct {
	prefix string
	level  slog.Level
}{
	{"[TRACE]", slog.LevelDebug}, {"[DEBUG]", slog.LevelDebug}, {"[INFO]", slog.LevelInfo},
	{"[WARN]", slog.LevelWarn}, {"[ERROR]", slog.LevelError},
}

func (w slogWriter) Write(b []byte) (int, error) {
	for _, line := range bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n")) {
		s := string(line)
		level := slog.LevelInfo
		for _, l := range hclogLevels {
			if rest, ok := strings.CutPrefix(s, l.prefix); ok {
				s, level = strings.TrimSpace(rest), l.level
				break
			}
		}
		w.log.Log(context.Background(), level, "auth plugin: "+s)
	}
	return len(b), nil
}
