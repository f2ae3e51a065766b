package proto

// TxnHeader precedes every transaction in the log and in PROPOSALs.
type TxnHeader struct {
	ClientID int64 // session id of the originating client
	Cxid     int32 // the client's xid
	Zxid     int64
	Time     int64 // ms since epoch, stamped by the leader
	Type     Op    // txn type; OpError for a failed write
}

// Encode appends the record to e.
func (r *TxnHeader) Encode(e *Encoder) {
	e.Long(r.ClientID)
	e.Int(r.Cxid)
	e.Long(r.Zxid)
	e.Long(r.Time)
	e.Int(int32(r.Type))
}

// Decode reads the record from d.
func (r *TxnHeader) Decode(d *Decoder) {
	r.ClientID = d.Long()
	r.Cxid = d.Int()
	r.Zxid = d.Long()
	r.Time = d.Long()
	r.Type = Op(d.Int())
}

// CreateTxn is the txn of create and create2.
type CreateTxn struct {
	Path           string
	Data           []byte
	ACL            []ACL
	Ephemeral      bool
	ParentCversion int32
}

// Encode appends the record to e.
func (r *CreateTxn) Encode(e *Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	EncodeACLs(e, r.ACL)
	e.Bool(r.Ephemeral)
	e.Int(r.ParentCversion)
}

// Decode reads the record from d.
func (r *CreateTxn) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.ACL = DecodeACLs(d)
	r.Ephemeral = d.Bool()
	r.ParentCversion = d.Int()
}

// CreateContainerTxn is the txn of createContainer.
type CreateContainerTxn struct {
	Path           string
	Data           []byte
	ACL            []ACL
	ParentCversion int32
}

// Encode appends the record to e.
func (r *CreateContainerTxn) Encode(e *Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	EncodeACLs(e, r.ACL)
	e.Int(r.ParentCversion)
}

// Decode reads the record from d.
func (r *CreateContainerTxn) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.ACL = DecodeACLs(d)
	r.ParentCversion = d.Int()
}

// CreateTTLTxn is the txn of createTTL.
type CreateTTLTxn struct {
	Path           string
	Data           []byte
	ACL            []ACL
	ParentCversion int32
	TTL            int64
}

// Encode appends the record to e.
func (r *CreateTTLTxn) Encode(e *Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	EncodeACLs(e, r.ACL)
	e.Int(r.ParentCversion)
	e.Long(r.TTL)
}

// Decode reads the record from d.
func (r *CreateTTLTxn) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.ACL = DecodeACLs(d)
	r.ParentCversion = d.Int()
	r.TTL = d.Long()
}

// DeleteTxn is the txn of delete and deleteContainer.
type DeleteTxn struct{ Path string }

// Encode appends the record to e.
func (r *DeleteTxn) Encode(e *Encoder) { e.String(r.Path) }

// Decode reads the record from d.
func (r *DeleteTxn) Decode(d *Decoder) { r.Path = d.String() }

// SetDataTxn is the txn of setData; Version is the node's new version.
type SetDataTxn struct {
	Path    string
	Data    []byte
	Version int32
}

// Encode appends the record to e.
func (r *SetDataTxn) Encode(e *Encoder) { e.String(r.Path); e.Buffer(r.Data); e.Int(r.Version) }

// Decode reads the record from d.
func (r *SetDataTxn) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.Version = d.Int()
}

// CheckVersionTxn is the txn of check inside a multi.
type CheckVersionTxn struct {
	Path    string
	Version int32
}

// Encode appends the record to e.
func (r *CheckVersionTxn) Encode(e *Encoder) { e.String(r.Path); e.Int(r.Version) }

// Decode reads the record from d.
func (r *CheckVersionTxn) Decode(d *Decoder) { r.Path = d.String(); r.Version = d.Int() }

// SetACLTxn is the txn of setACL; Version is the node's new aversion.
type SetACLTxn struct {
	Path    string
	ACL     []ACL
	Version int32
}

// Encode appends the record to e.
func (r *SetACLTxn) Encode(e *Encoder) { e.String(r.Path); EncodeACLs(e, r.ACL); e.Int(r.Version) }

// Decode reads the record from d.
func (r *SetACLTxn) Decode(d *Decoder) {
	r.Path = d.String()
	r.ACL = DecodeACLs(d)
	r.Version = d.Int()
}

// ErrorTxn records a failed write, which consumes a zxid like ZooKeeper's.
type ErrorTxn struct{ Err Err }

// Encode appends the record to e.
func (r *ErrorTxn) Encode(e *Encoder) { e.Int(int32(r.Err)) }

// Decode reads the record from d.
func (r *ErrorTxn) Decode(d *Decoder) { r.Err = Err(d.Int()) }

// CreateSessionTxn opens a global session.
type CreateSessionTxn struct{ TimeOut int32 }

// Encode appends the record to e.
func (r *CreateSessionTxn) Encode(e *Encoder) { e.Int(r.TimeOut) }

// Decode reads the record from d.
func (r *CreateSessionTxn) Decode(d *Decoder) { r.TimeOut = d.Int() }

// CloseSessionTxn closes a session; Paths lists the ephemerals to delete.
type CloseSessionTxn struct{ Paths []string }

// Encode appends the record to e.
func (r *CloseSessionTxn) Encode(e *Encoder) { e.Strings(r.Paths) }

// Decode accepts the empty body older servers write for closeSession.
func (r *CloseSessionTxn) Decode(d *Decoder) {
	if d.Remaining() == 0 {
		r.Paths = nil
		return
	}
	r.Paths = d.Strings()
}

// Txn is one sub-transaction of a MultiTxn: its type and serialized record.
type Txn struct {
	Type Op
	Data []byte
}

// Encode appends the record to e.
func (r *Txn) Encode(e *Encoder) { e.Int(int32(r.Type)); e.Buffer(r.Data) }

// Decode reads the record from d.
func (r *Txn) Decode(d *Decoder) { r.Type = Op(d.Int()); r.Data = d.Buffer() }

// MultiTxn is the txn of a multi: every sub-txn, or ErrorTxns if it failed.
// Nil Txns is written as a null vector (-1), as Decode returns it.
type MultiTxn struct{ Txns []Txn }

// Encode appends the record to e.
func (r *MultiTxn) Encode(e *Encoder) {
	if r.Txns == nil {
		e.Int(-1)
		return
	}
	e.Int(int32(len(r.Txns)))
	for i := range r.Txns {
		r.Txns[i].Encode(e)
	}
}

// Decode reads the record from d.
func (r *MultiTxn) Decode(d *Decoder) {
	n := d.VectorLen(8)
	if n < 0 || d.Err() != nil {
		r.Txns = nil
		return
	}
	r.Txns = make([]Txn, n)
	for i := range r.Txns {
		r.Txns[i].Decode(d)
	}
}

// TxnDigest follows the txn in PROPOSALs of ZooKeeper 3.6+.
type TxnDigest struct {
	Version    int32
	TreeDigest int64
}

// Encode appends the record to e.
func (r *TxnDigest) Encode(e *Encoder) { e.Int(r.Version); e.Long(r.TreeDigest) }

// Decode reads the record from d.
func (r *TxnDigest) Decode(d *Decoder) { r.Version = d.Int(); r.TreeDigest = d.Long() }

// TxnRecord returns an empty record for a txn type, or nil if unknown. A
// reconfig is logged as a SetDataTxn of /zookeeper/config.
func TxnRecord(t Op) Record {
	switch t {
	case OpCreate, OpCreate2:
		return &CreateTxn{}
	case OpCreateContainer:
		return &CreateContainerTxn{}
	case OpCreateTTL:
		return &CreateTTLTxn{}
	case OpDelete, OpDeleteContainer:
		return &DeleteTxn{}
	case OpSetData, OpReconfig:
		return &SetDataTxn{}
	case OpCheck:
		return &CheckVersionTxn{}
	case OpSetACL:
		return &SetACLTxn{}
	case OpError:
		return &ErrorTxn{}
	case OpCreateSession:
		return &CreateSessionTxn{}
	case OpCloseSession:
		return &CloseSessionTxn{}
	case OpMulti:
		return &MultiTxn{}
	}
	return nil
}
