package wal

import (
	"errors"
	"fmt"
	"path/filepath"
)

// ErrCorrupt is wrapped by every error about a log segment or snapshot whose
// bytes are not what Warren wrote. Test for it with errors.Is; errors.As
// with *CorruptError gives the file and offset.
var ErrCorrupt = errors.New("storage/wal: corrupt")

// CorruptError says where the log is damaged in a way recovery must not
// repair on its own: losing what follows would lose acknowledged writes.
type CorruptError struct {
	Path   string // the segment file
	Offset int64  // byte offset of the damage in it
	Reason string // what is wrong there
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("storage/wal: corrupt log segment %s at byte offset %d: %s. "+
		"The entries from there on cannot be trusted, and they may have been acknowledged. "+
		"Restore this node's data directory from a backup, or empty it and let the node resync from the ensemble's leader. "+
		"Moving %s and every later segment out of the way instead starts the node without the writes they hold",
		e.Path, e.Offset, e.Reason, filepath.Base(e.Path))
}

func (e *CorruptError) Unwrap() error { return ErrCorrupt }
