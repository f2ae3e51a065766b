package server

import (
	"testing"

	"github.com/warrenzk/warren/storage"
	_ "github.com/warrenzk/warren/storage/badger"
	_ "github.com/warrenzk/warren/storage/wal"
)

// The disk backends in the recovery benchmark, opened by name as the node
// does, on a directory under /tmp so that reads come from a real file system.
func init() {
	for _, name := range []string{"wal", "badger"} {
		benchBackends[name] = func(b *testing.B) storage.Backend {
			s, err := storage.Default.Open(name, storage.Config{DataDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		}
	}
}
