package badger

import (
	"fmt"
	"log/slog"
	"strings"
)

// badgerLogger passes Badger's warnings and errors to the node's logger.
// Its info and debug lines (every flush, compaction and replay) are dropped:
// they are Badger's business, not an operator's.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(format string, args ...any) {
	b.l.Error(strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func (b badgerLogger) Warningf(format string, args ...any) {
	b.l.Warn(strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func (badgerLogger) Infof(string, ...any)  {}
func (badgerLogger) Debugf(string, ...any) {}
