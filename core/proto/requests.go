package proto

// Request records: the body that follows a RequestHeader, one type per
// opcode, fields in zookeeper.jute order. RequestRecord picks one by opcode.

// CreateRequest is the body of create (1), create2 (15) and
// createContainer (19). Flags is the CreateMode; the server validates it.
type CreateRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags CreateMode
}

// Encode appends the record to e.
func (r *CreateRequest) Encode(e *Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	EncodeACLs(e, r.ACL)
	e.Int(int32(r.Flags))
}

// Decode reads the record from d.
func (r *CreateRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.ACL = DecodeACLs(d)
	r.Flags = CreateMode(d.Int())
}

// CreateTTLRequest is the body of createTTL (21): a CreateRequest plus the
// time to live in milliseconds.
type CreateTTLRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags CreateMode
	TTL   int64
}

// Encode appends the record to e.
func (r *CreateTTLRequest) Encode(e *Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	EncodeACLs(e, r.ACL)
	e.Int(int32(r.Flags))
	e.Long(r.TTL)
}

// Decode reads the record from d.
func (r *CreateTTLRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.ACL = DecodeACLs(d)
	r.Flags = CreateMode(d.Int())
	r.TTL = d.Long()
}

// DeleteRequest is the body of delete (2); Version -1 matches any version.
type DeleteRequest struct {
	Path    string
	Version int32
}

// Encode appends the record to e.
func (r *DeleteRequest) Encode(e *Encoder) { e.String(r.Path); e.Int(r.Version) }

// Decode reads the record from d.
func (r *DeleteRequest) Decode(d *Decoder) { r.Path = d.String(); r.Version = d.Int() }

// DeleteContainerRequest is the body of deleteContainer (20). ZooKeeper's
// container manager submits it internally; a client that sends it gets
// BadArguments (raw-badinput seq 31/32).
type DeleteContainerRequest struct {
	Path string
}

// Encode appends the record to e.
func (r *DeleteContainerRequest) Encode(e *Encoder) { e.String(r.Path) }

// Decode reads the record from d.
func (r *DeleteContainerRequest) Decode(d *Decoder) { r.Path = d.String() }

// ExistsRequest is the body of exists (3); Watch leaves a data watch on an
// existing node or an exist watch on a missing one.
type ExistsRequest struct {
	Path  string
	Watch bool
}

// Encode appends the record to e.
func (r *ExistsRequest) Encode(e *Encoder) { e.String(r.Path); e.Bool(r.Watch) }

// Decode reads the record from d.
func (r *ExistsRequest) Decode(d *Decoder) { r.Path = d.String(); r.Watch = d.Bool() }

// GetDataRequest is the body of getData (4).
type GetDataRequest struct {
	Path  string
	Watch bool
}

// Encode appends the record to e.
func (r *GetDataRequest) Encode(e *Encoder) { e.String(r.Path); e.Bool(r.Watch) }

// Decode reads the record from d.
func (r *GetDataRequest) Decode(d *Decoder) { r.Path = d.String(); r.Watch = d.Bool() }

// SetDataRequest is the body of setData (5); Version -1 matches any version.
type SetDataRequest struct {
	Path    string
	Data    []byte
	Version int32
}

// Encode appends the record to e.
func (r *SetDataRequest) Encode(e *Encoder) { e.String(r.Path); e.Buffer(r.Data); e.Int(r.Version) }

// Decode reads the record from d.
func (r *SetDataRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.Version = d.Int()
}

// GetACLRequest is the body of getACL (6).
type GetACLRequest struct {
	Path string
}

// Encode appends the record to e.
func (r *GetACLRequest) Encode(e *Encoder) { e.String(r.Path) }

// Decode reads the record from d.
func (r *GetACLRequest) Decode(d *Decoder) { r.Path = d.String() }

// SetACLRequest is the body of setACL (7); Version is the expected aversion,
// -1 for any.
type SetACLRequest struct {
	Path    string
	ACL     []ACL
	Version int32
}

// Encode appends the record to e.
func (r *SetACLRequest) Encode(e *Encoder) { e.String(r.Path); EncodeACLs(e, r.ACL); e.Int(r.Version) }

// Decode reads the record from d.
func (r *SetACLRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.ACL = DecodeACLs(d)
	r.Version = d.Int()
}

// GetChildrenRequest is the body of getChildren (8).
type GetChildrenRequest struct {
	Path  string
	Watch bool
}

// Encode appends the record to e.
func (r *GetChildrenRequest) Encode(e *Encoder) { e.String(r.Path); e.Bool(r.Watch) }

// Decode reads the record from d.
func (r *GetChildrenRequest) Decode(d *Decoder) { r.Path = d.String(); r.Watch = d.Bool() }

// GetChildren2Request is the body of getChildren2 (12), which also returns
// the parent's Stat.
type GetChildren2Request struct {
	Path  string
	Watch bool
}

// Encode appends the record to e.
func (r *GetChildren2Request) Encode(e *Encoder) { e.String(r.Path); e.Bool(r.Watch) }

// Decode reads the record from d.
func (r *GetChildren2Request) Decode(d *Decoder) { r.Path = d.String(); r.Watch = d.Bool() }

// SyncRequest is the body of sync (9).
type SyncRequest struct {
	Path string
}

// Encode appends the record to e.
func (r *SyncRequest) Encode(e *Encoder) { e.String(r.Path) }

// Decode reads the record from d.
func (r *SyncRequest) Decode(d *Decoder) { r.Path = d.String() }

// CheckVersionRequest is the body of check (13), meaningful inside a multi.
type CheckVersionRequest struct {
	Path    string
	Version int32
}

// Encode appends the record to e.
func (r *CheckVersionRequest) Encode(e *Encoder) { e.String(r.Path); e.Int(r.Version) }

// Decode reads the record from d.
func (r *CheckVersionRequest) Decode(d *Decoder) { r.Path = d.String(); r.Version = d.Int() }

// ReconfigRequest is the body of reconfig (16). CurConfigID is the config
// version the client expects (-1 for any).
//
// Null strings: ZooKeeper clients send null (-1) for an argument they do not
// give, and the server reads null as "not given" (a non-null NewMembers means
// a non-incremental reconfig). Go strings have no null, so in this record an
// empty string is the null string: Encode writes "" as -1, and Decode reads
// both -1 and a zero-length string as "". Every reconfig in the captures
// round-trips byte for byte under this rule.
type ReconfigRequest struct {
	JoiningServers string
	LeavingServers string
	NewMembers     string
	CurConfigID    int64
}

// Encode appends the record to e.
func (r *ReconfigRequest) Encode(e *Encoder) {
	encodeNullString(e, r.JoiningServers)
	encodeNullString(e, r.LeavingServers)
	encodeNullString(e, r.NewMembers)
	e.Long(r.CurConfigID)
}

// Decode reads the record from d.
func (r *ReconfigRequest) Decode(d *Decoder) {
	r.JoiningServers = d.String()
	r.LeavingServers = d.String()
	r.NewMembers = d.String()
	r.CurConfigID = d.Long()
}

// encodeNullString writes "" as a null ustring (-1), anything else as usual.
func encodeNullString(e *Encoder, s string) {
	if s == "" {
		e.Int(-1)
		return
	}
	e.String(s)
}

// CheckWatchesRequest is the body of checkWatches (17).
type CheckWatchesRequest struct {
	Path string
	Type WatcherType
}

// Encode appends the record to e.
func (r *CheckWatchesRequest) Encode(e *Encoder) { e.String(r.Path); e.Int(int32(r.Type)) }

// Decode reads the record from d.
func (r *CheckWatchesRequest) Decode(d *Decoder) { r.Path = d.String(); r.Type = WatcherType(d.Int()) }

// RemoveWatchesRequest is the body of removeWatches (18).
type RemoveWatchesRequest struct {
	Path string
	Type WatcherType
}

// Encode appends the record to e.
func (r *RemoveWatchesRequest) Encode(e *Encoder) { e.String(r.Path); e.Int(int32(r.Type)) }

// Decode reads the record from d.
func (r *RemoveWatchesRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Type = WatcherType(d.Int())
}

// GetEphemeralsRequest is the body of getEphemerals (103); PrefixPath "/"
// lists all of the session's ephemerals.
type GetEphemeralsRequest struct {
	PrefixPath string
}

// Encode appends the record to e.
func (r *GetEphemeralsRequest) Encode(e *Encoder) { e.String(r.PrefixPath) }

// Decode reads the record from d.
func (r *GetEphemeralsRequest) Decode(d *Decoder) { r.PrefixPath = d.String() }

// GetAllChildrenNumberRequest is the body of getAllChildrenNumber (104).
type GetAllChildrenNumberRequest struct {
	Path string
}

// Encode appends the record to e.
func (r *GetAllChildrenNumberRequest) Encode(e *Encoder) { e.String(r.Path) }

// Decode reads the record from d.
func (r *GetAllChildrenNumberRequest) Decode(d *Decoder) { r.Path = d.String() }

// SetWatches is the body of setWatches (101): after a reconnect the client
// re-registers its one-shot watches; RelativeZxid is the last zxid it saw,
// so the server can fire the watches whose nodes changed since.
type SetWatches struct {
	RelativeZxid int64
	DataWatches  []string
	ExistWatches []string
	ChildWatches []string
}

// Encode appends the record to e.
func (r *SetWatches) Encode(e *Encoder) {
	e.Long(r.RelativeZxid)
	e.Strings(r.DataWatches)
	e.Strings(r.ExistWatches)
	e.Strings(r.ChildWatches)
}

// Decode reads the record from d.
func (r *SetWatches) Decode(d *Decoder) {
	r.RelativeZxid = d.Long()
	r.DataWatches = d.Strings()
	r.ExistWatches = d.Strings()
	r.ChildWatches = d.Strings()
}

// SetWatches2 is the body of setWatches2 (105): SetWatches plus persistent
// and persistent-recursive watches.
type SetWatches2 struct {
	RelativeZxid               int64
	DataWatches                []string
	ExistWatches               []string
	ChildWatches               []string
	PersistentWatches          []string
	PersistentRecursiveWatches []string
}

// Encode appends the record to e.
func (r *SetWatches2) Encode(e *Encoder) {
	e.Long(r.RelativeZxid)
	e.Strings(r.DataWatches)
	e.Strings(r.ExistWatches)
	e.Strings(r.ChildWatches)
	e.Strings(r.PersistentWatches)
	e.Strings(r.PersistentRecursiveWatches)
}

// Decode reads the record from d.
func (r *SetWatches2) Decode(d *Decoder) {
	r.RelativeZxid = d.Long()
	r.DataWatches = d.Strings()
	r.ExistWatches = d.Strings()
	r.ChildWatches = d.Strings()
	r.PersistentWatches = d.Strings()
	r.PersistentRecursiveWatches = d.Strings()
}

// AddWatchRequest is the body of addWatch (106).
type AddWatchRequest struct {
	Path string
	Mode AddWatchMode
}

// Encode appends the record to e.
func (r *AddWatchRequest) Encode(e *Encoder) { e.String(r.Path); e.Int(int32(r.Mode)) }

// Decode reads the record from d.
func (r *AddWatchRequest) Decode(d *Decoder) { r.Path = d.String(); r.Mode = AddWatchMode(d.Int()) }

// AuthPacket is the body of auth (100, sent with xid -4): credentials for
// an ACL scheme. Type is always 0.
type AuthPacket struct {
	Type   int32
	Scheme string
	Auth   []byte
}

// Encode appends the record to e.
func (r *AuthPacket) Encode(e *Encoder) { e.Int(r.Type); e.String(r.Scheme); e.Buffer(r.Auth) }

// Decode reads the record from d.
func (r *AuthPacket) Decode(d *Decoder) {
	r.Type = d.Int()
	r.Scheme = d.String()
	r.Auth = d.Buffer()
}

// GetSASLRequest is the body of sasl (102): one SASL token from the client.
type GetSASLRequest struct {
	Token []byte
}

// Encode appends the record to e.
func (r *GetSASLRequest) Encode(e *Encoder) { e.Buffer(r.Token) }

// Decode reads the record from d.
func (r *GetSASLRequest) Decode(d *Decoder) { r.Token = d.Buffer() }

// RequestRecord returns a fresh, empty request record for the body that
// follows a RequestHeader of type op, or nil when op carries no body (ping,
// closeSession, whoAmI, createSession) or is unknown. A nil result with
// leftover bytes is the caller's to judge: ZooKeeper ignores the bytes of a
// body-less request and answers an unknown op with Unimplemented.
func RequestRecord(op Op) Record {
	switch op {
	case OpCreate, OpCreate2, OpCreateContainer:
		return &CreateRequest{}
	case OpCreateTTL:
		return &CreateTTLRequest{}
	case OpDelete:
		return &DeleteRequest{}
	case OpDeleteContainer:
		return &DeleteContainerRequest{}
	case OpExists:
		return &ExistsRequest{}
	case OpGetData:
		return &GetDataRequest{}
	case OpSetData:
		return &SetDataRequest{}
	case OpGetACL:
		return &GetACLRequest{}
	case OpSetACL:
		return &SetACLRequest{}
	case OpGetChildren:
		return &GetChildrenRequest{}
	case OpGetChildren2:
		return &GetChildren2Request{}
	case OpSync:
		return &SyncRequest{}
	case OpCheck:
		return &CheckVersionRequest{}
	case OpMulti, OpMultiRead:
		return &MultiRequest{}
	case OpReconfig:
		return &ReconfigRequest{}
	case OpCheckWatches:
		return &CheckWatchesRequest{}
	case OpRemoveWatches:
		return &RemoveWatchesRequest{}
	case OpGetEphemerals:
		return &GetEphemeralsRequest{}
	case OpGetAllChildrenNumber:
		return &GetAllChildrenNumberRequest{}
	case OpAuth:
		return &AuthPacket{}
	case OpSetWatches:
		return &SetWatches{}
	case OpSetWatches2:
		return &SetWatches2{}
	case OpAddWatch:
		return &AddWatchRequest{}
	case OpSASL:
		return &GetSASLRequest{}
	}
	return nil
}
