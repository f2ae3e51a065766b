package snapshot

import (
	"bytes"
	"hash/adler32"
	"testing"

	"github.com/warrenzk/warren/core/internal/wiretest"
	"github.com/warrenzk/warren/core/proto"
)

// snapCapture is the ensemble capture holding a ZooKeeper 3.8 leader's SNAP.
const snapCapture = "ensemble/ens-07-far-behind-snap.jsonl"

// captureSnap returns the SNAP payload a ZooKeeper 3.8 leader sent a
// learner in snapCapture: the sessions and the tree, as in a snapshot file,
// then the "BenWasHere" signature instead of a seal. It skips tb when the
// capture is absent.
func captureSnap(tb testing.TB) []byte {
	tb.Helper()
	for _, l := range wiretest.Read(tb, snapCapture) {
		if l.Kind != "snapshot" {
			continue
		}
		sig := []byte("\x00\x00\x00\x0aBenWasHere")
		if !bytes.HasSuffix(l.Bytes, sig) {
			tb.Fatal("SNAP payload without its signature")
		}
		return l.Bytes[:len(l.Bytes)-len(sig)]
	}
	tb.Fatal("no snapshot in the capture")
	return nil
}

// asFile frames a SNAP payload as FileSnap would write it to disk.
func asFile(payload []byte) []byte {
	e := proto.NewEncoder(nil)
	e.Int(Magic)
	e.Int(Version)
	e.Long(DBID)
	e.Raw(payload)
	appendSeal(e, adler32.Checksum(e.Bytes()))
	return e.Bytes()
}

func TestReadCapturedSnap(t *testing.T) {
	payload := captureSnap(t)
	s, err := Read(bytes.NewReader(asFile(payload)), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Sessions) != 0 || s.Tree.NodeCount() != 32 {
		t.Errorf("%d sessions, node count %d; want 0 and 32 (31 znodes)", len(s.Sessions), s.Tree.NodeCount())
	}
	again, err := Read(bytes.NewReader(write(t, s.Sessions, s.Tree)), opts)
	if err != nil || !bytes.Equal(treeBytes(again.Tree), treeBytes(s.Tree)) {
		t.Errorf("rewritten: %v", err)
	}
}
