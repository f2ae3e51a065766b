package zkdata

import (
	"errors"
	"fmt"

	"github.com/warrenzk/warren/core/proto"
)

// Txn is one logged txn, decoded.
type Txn struct {
	Header proto.TxnHeader
	// Record is the txn record for Header.Type, or nil for a closeSession
	// logged by ZooKeeper before 3.6, which carried no record.
	Record proto.Record
	// Digest is the tree digest ZooKeeper 3.6+ logs after the record, or
	// nil if there is none.
	Digest *proto.TxnDigest
}

// DecodeTxn decodes a txn as ZooKeeper (and Warren) log it: TxnHeader, the
// record for its type, and optionally a TxnDigest, following
// SerializeUtils.deserializeTxn: a create too short for its
// parentCVersion is the pre-3.3 form and gets parentCVersion -1, and bytes
// after the record that do not make a digest are ignored. The record's
// slices alias b.
func DecodeTxn(b []byte) (Txn, error) {
	var t Txn
	d := proto.NewDecoder(b)
	t.Header.Decode(d)
	if err := d.Err(); err != nil {
		return t, fmt.Errorf("txn header: %w", err)
	}
	body := b[d.Offset():]
	t.Record = proto.TxnRecord(t.Header.Type)
	if t.Record == nil {
		return t, fmt.Errorf("unsupported txn type %d", int32(t.Header.Type))
	}
	if t.Header.Type == proto.OpCloseSession && len(body) == 0 {
		t.Record = nil
		return t, nil
	}
	t.Record.Decode(d)
	if err := d.Err(); err != nil {
		if t.Header.Type != proto.OpCreate || !errors.Is(err, proto.ErrShortBuffer) {
			return t, fmt.Errorf("%s txn: %w", t.Header.Type, err)
		}
		c, err := decodeCreateV0(body)
		if err != nil {
			return t, fmt.Errorf("create txn: %w", err)
		}
		t.Record = c
		return t, nil
	}
	if d.Remaining() >= 12 {
		t.Digest = &proto.TxnDigest{}
		t.Digest.Decode(d)
	}
	return t, nil
}

// decodeCreateV0 reads CreateTxnV0 (path, data, acl, ephemeral); the -1
// parentCVersion makes the tree compute it, as DataTree does.
func decodeCreateV0(b []byte) (*proto.CreateTxn, error) {
	d := proto.NewDecoder(b)
	c := &proto.CreateTxn{Path: d.String(), Data: d.Buffer(), ACL: proto.DecodeACLs(d), Ephemeral: d.Bool(), ParentCversion: -1}
	return c, d.Err()
}
