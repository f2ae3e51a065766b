package zkdata

import (
	"strings"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

func encode(hdr proto.TxnHeader, recs ...proto.Record) []byte {
	e := proto.NewEncoder(nil)
	hdr.Encode(e)
	for _, r := range recs {
		r.Encode(e)
	}
	return e.Bytes()
}

func TestDecodeTxn(t *testing.T) {
	acl := []proto.ACL{{Perms: 31, ID: proto.WorldAnyone}}
	create := &proto.CreateTxn{Path: "/a", Data: []byte("d"), ACL: acl, Ephemeral: true, ParentCversion: 3}
	digest := &proto.TxnDigest{Version: 2, TreeDigest: 99}
	hdr := func(op proto.Op) proto.TxnHeader { return proto.TxnHeader{ClientID: 5, Zxid: 9, Type: op} }

	txn, err := DecodeTxn(encode(hdr(proto.OpCreate), create, digest))
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := txn.Record.(*proto.CreateTxn); !ok || c.Path != "/a" || c.ParentCversion != 3 || !c.Ephemeral {
		t.Errorf("create %+v", txn.Record)
	}
	if txn.Digest == nil || *txn.Digest != *digest || txn.Header.Zxid != 9 {
		t.Errorf("digest %v header %+v", txn.Digest, txn.Header)
	}

	// CreateTxnV0, from before parentCVersion existed.
	h := hdr(proto.OpCreate)
	e := proto.NewEncoder(nil)
	h.Encode(e)
	e.String("/old")
	e.Buffer(nil)
	proto.EncodeACLs(e, acl)
	e.Bool(false)
	txn, err = DecodeTxn(e.Bytes())
	if c, ok := txn.Record.(*proto.CreateTxn); err != nil || !ok || c.Path != "/old" || c.ParentCversion != -1 {
		t.Errorf("create v0: %+v %v", txn.Record, err)
	}

	// closeSession before 3.6 had no record.
	txn, err = DecodeTxn(encode(hdr(proto.OpCloseSession)))
	if err != nil || txn.Record != nil {
		t.Errorf("old closeSession: %+v %v", txn, err)
	}
	txn, err = DecodeTxn(encode(hdr(proto.OpCloseSession), &proto.CloseSessionTxn{Paths: []string{"/e"}}, digest))
	if c, ok := txn.Record.(*proto.CloseSessionTxn); err != nil || !ok || len(c.Paths) != 1 || txn.Digest == nil {
		t.Errorf("closeSession: %+v %v", txn, err)
	}

	for name, tc := range map[string]struct {
		b    []byte
		want string
	}{
		"short header": {encode(hdr(proto.OpCreate))[:20], "txn header"},
		"unknown type": {encode(hdr(proto.OpGetData)), "unsupported txn type 4"},
		"cut record":   {encode(hdr(proto.OpSetData), &proto.SetDataTxn{Path: "/abc"})[:38], "setData txn"},
		"cut create":   {encode(hdr(proto.OpCreate), create)[:36], "create txn"},
	} {
		if _, err := DecodeTxn(tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", name, err, tc.want)
		}
	}
}
