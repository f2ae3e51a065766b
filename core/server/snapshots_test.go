package server

import (
	"errors"
	"io"
	"testing"

	"github.com/warrenzk/warren/core/snapshot"
	"github.com/warrenzk/warren/core/tree"
)

// A snapshot cut short by shutdown is told apart from a failed one (it is
// logged at INFO, not ERROR): the writer's error survives the layers of
// snapshot.Write and the tree's WriteTo.
func TestSnapshotCutShortByShutdown(t *testing.T) {
	tr := tree.New(tree.Options{})
	v, err := tr.BeginSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	quit := make(chan struct{})
	close(quit)
	err = snapshot.Write(&countingWriter{w: io.Discard, quit: quit}, nil, v)
	if !errors.Is(err, errShuttingDown) {
		t.Fatalf("snapshot.Write on a stopping server: %v, want errShuttingDown", err)
	}
}
