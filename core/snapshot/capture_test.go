package snapshot

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash/adler32"
	"os"
	"path/filepath"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

// captureSnap returns the SNAP payload a ZooKeeper 3.8 leader sent a
// learner in ../shared/wire's ens-07 capture: the sessions and the tree, as
// in a snapshot file, then the "BenWasHere" signature instead of a seal.
func captureSnap() ([]byte, error) {
	f, err := os.Open(filepath.Join("..", "..", "..", "shared", "wire", "ensemble", "ens-07-far-behind-snap.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var l struct{ Kind, Hex string }
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, err
		}
		if l.Kind != "snapshot" {
			continue
		}
		b, err := hex.DecodeString(l.Hex)
		if err != nil {
			return nil, err
		}
		sig := []byte("\x00\x00\x00\x0aBenWasHere")
		if !bytes.HasSuffix(b, sig) {
			return nil, errors.New("SNAP payload without its signature")
		}
		return b[:len(b)-len(sig)], nil
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, errors.New("no snapshot in the capture")
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
	payload, err := captureSnap()
	if err != nil {
		t.Skipf("capture not available: %v", err)
	}
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
