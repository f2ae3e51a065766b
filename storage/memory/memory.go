// Package memory is an in-memory storage backend, registered as "memory".
// Nothing survives the process: it serves tests, simulations and throwaway
// servers.
//
// It keeps the same distinctions a disk backend does, so that tests can rely
// on them: Backend.Durable returns what a crash at that instant would have
// left (entries synced or truncated, snapshots committed), which is how a
// simulated node is restarted.
package memory

import (
	"fmt"
	"slices"

	"github.com/warrenzk/warren/storage"
)

func init() { storage.Register("memory", New) }

// Backend is an in-memory storage.Backend.
type Backend struct {
	log   *Log
	snaps *Snapshots
}

// New returns an empty Backend. It accepts no Options and ignores the
// directories and tuning fields of cfg.
func New(cfg storage.Config) (storage.Backend, error) {
	if len(cfg.Options) > 0 {
		keys := make([]string, 0, len(cfg.Options))
		for k := range cfg.Options {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return nil, fmt.Errorf("storage/memory: unknown options %q", keys)
	}
	return NewBackend(), nil
}

// NewBackend returns an empty Backend; it is New without the configuration.
func NewBackend() *Backend {
	return &Backend{log: NewLog(), snaps: NewSnapshots()}
}

// Log returns the backend's transaction log.
func (b *Backend) Log() storage.TxnLog { return b.log }

// Snapshots returns the backend's snapshot store.
func (b *Backend) Snapshots() storage.Snapshotter { return b.snaps }

// Close closes the log and the snapshots. Calling it again returns nil.
func (b *Backend) Close() error {
	b.log.Close()
	b.snaps.close()
	return nil
}

// Durable returns a new, open Backend holding what a crash of b right now
// would leave: the log up to its last Sync (with truncations and purges
// applied) and the committed snapshots. b itself is unchanged, and may be
// closed. Restarting a simulated node is
//
//	b = b.Durable()
func (b *Backend) Durable() *Backend {
	return &Backend{log: b.log.durable(), snaps: b.snaps.durable()}
}

// Interface guards.
var (
	_ storage.Backend = (*Backend)(nil)
	_ storage.Factory = New
)
