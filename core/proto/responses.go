package proto

// Response records: the body that follows a ReplyHeader whose Err is 0,
// fields in zookeeper.jute order. A reply with Err ≠ 0 has no body, except
// that a multi reports per-op failures inside a MultiResponse with Err 0.

// CreateResponse answers create (1) with the created path (which carries
// the sequence suffix for sequential modes).
type CreateResponse struct {
	Path string
}

// Encode appends the record to e.
func (r *CreateResponse) Encode(e *Encoder) { e.String(r.Path) }

// Decode reads the record from d.
func (r *CreateResponse) Decode(d *Decoder) { r.Path = d.String() }

// Create2Response answers create2 (15), createContainer (19) and
// createTTL (21): the created path and the new node's Stat.
type Create2Response struct {
	Path string
	Stat Stat
}

// Encode appends the record to e.
func (r *Create2Response) Encode(e *Encoder) { e.String(r.Path); r.Stat.Encode(e) }

// Decode reads the record from d.
func (r *Create2Response) Decode(d *Decoder) { r.Path = d.String(); r.Stat.Decode(d) }

// ExistsResponse answers exists (3) for a node that exists; a missing node
// is the reply error NoNode with no body.
type ExistsResponse struct {
	Stat Stat
}

// Encode appends the record to e.
func (r *ExistsResponse) Encode(e *Encoder) { r.Stat.Encode(e) }

// Decode reads the record from d.
func (r *ExistsResponse) Decode(d *Decoder) { r.Stat.Decode(d) }

// GetDataResponse answers getData (4) and also reconfig (16), whose reply
// is the new config text and the Stat of /zookeeper/config
// (java-reconfig-ensemble seq 16). Data is nil for a node created with null
// data, which ZooKeeper sends back as a null buffer.
type GetDataResponse struct {
	Data []byte
	Stat Stat
}

// Encode appends the record to e.
func (r *GetDataResponse) Encode(e *Encoder) { e.Buffer(r.Data); r.Stat.Encode(e) }

// Decode reads the record from d.
func (r *GetDataResponse) Decode(d *Decoder) { r.Data = d.Buffer(); r.Stat.Decode(d) }

// SetDataResponse answers setData (5) with the node's new Stat.
type SetDataResponse struct {
	Stat Stat
}

// Encode appends the record to e.
func (r *SetDataResponse) Encode(e *Encoder) { r.Stat.Encode(e) }

// Decode reads the record from d.
func (r *SetDataResponse) Decode(d *Decoder) { r.Stat.Decode(d) }

// GetACLResponse answers getACL (6).
type GetACLResponse struct {
	ACL  []ACL
	Stat Stat
}

// Encode appends the record to e.
func (r *GetACLResponse) Encode(e *Encoder) { EncodeACLs(e, r.ACL); r.Stat.Encode(e) }

// Decode reads the record from d.
func (r *GetACLResponse) Decode(d *Decoder) { r.ACL = DecodeACLs(d); r.Stat.Decode(d) }

// SetACLResponse answers setACL (7) with the node's new Stat.
type SetACLResponse struct {
	Stat Stat
}

// Encode appends the record to e.
func (r *SetACLResponse) Encode(e *Encoder) { r.Stat.Encode(e) }

// Decode reads the record from d.
func (r *SetACLResponse) Decode(d *Decoder) { r.Stat.Decode(d) }

// GetChildrenResponse answers getChildren (8): child names, not paths, in
// no particular order.
type GetChildrenResponse struct {
	Children []string
}

// Encode appends the record to e.
func (r *GetChildrenResponse) Encode(e *Encoder) { e.Strings(r.Children) }

// Decode reads the record from d.
func (r *GetChildrenResponse) Decode(d *Decoder) { r.Children = d.Strings() }

// GetChildren2Response answers getChildren2 (12): children and the
// parent's Stat.
type GetChildren2Response struct {
	Children []string
	Stat     Stat
}

// Encode appends the record to e.
func (r *GetChildren2Response) Encode(e *Encoder) { e.Strings(r.Children); r.Stat.Encode(e) }

// Decode reads the record from d.
func (r *GetChildren2Response) Decode(d *Decoder) { r.Children = d.Strings(); r.Stat.Decode(d) }

// SyncResponse answers sync (9) with the request's path.
type SyncResponse struct {
	Path string
}

// Encode appends the record to e.
func (r *SyncResponse) Encode(e *Encoder) { e.String(r.Path) }

// Decode reads the record from d.
func (r *SyncResponse) Decode(d *Decoder) { r.Path = d.String() }

// GetEphemeralsResponse answers getEphemerals (103) with full paths.
type GetEphemeralsResponse struct {
	Ephemerals []string
}

// Encode appends the record to e.
func (r *GetEphemeralsResponse) Encode(e *Encoder) { e.Strings(r.Ephemerals) }

// Decode reads the record from d.
func (r *GetEphemeralsResponse) Decode(d *Decoder) { r.Ephemerals = d.Strings() }

// GetAllChildrenNumberResponse answers getAllChildrenNumber (104) with the
// number of descendants (not counting the node itself).
type GetAllChildrenNumberResponse struct {
	TotalNumber int32
}

// Encode appends the record to e.
func (r *GetAllChildrenNumberResponse) Encode(e *Encoder) { e.Int(r.TotalNumber) }

// Decode reads the record from d.
func (r *GetAllChildrenNumberResponse) Decode(d *Decoder) { r.TotalNumber = d.Int() }

// ClientInfo is one identity of a session as whoAmI reports it, for
// example {"ip", "127.0.0.1"} or {"digest", "user"}.
type ClientInfo struct {
	AuthScheme string
	User       string
}

// Encode appends the record to e.
func (r *ClientInfo) Encode(e *Encoder) { e.String(r.AuthScheme); e.String(r.User) }

// Decode reads the record from d.
func (r *ClientInfo) Decode(d *Decoder) { r.AuthScheme = d.String(); r.User = d.String() }

// WhoAmIResponse answers whoAmI (107), whose request has no body.
type WhoAmIResponse struct {
	ClientInfo []ClientInfo
}

// Encode appends the record to e; a nil list is written as null (-1).
func (r *WhoAmIResponse) Encode(e *Encoder) {
	if r.ClientInfo == nil {
		e.Int(-1)
		return
	}
	e.Int(int32(len(r.ClientInfo)))
	for i := range r.ClientInfo {
		r.ClientInfo[i].Encode(e)
	}
}

// Decode reads the record from d; null gives nil, empty a non-nil slice.
func (r *WhoAmIResponse) Decode(d *Decoder) {
	n := d.VectorLen(8)
	if n < 0 || d.Err() != nil {
		r.ClientInfo = nil
		return
	}
	r.ClientInfo = make([]ClientInfo, n)
	for i := range r.ClientInfo {
		r.ClientInfo[i].Decode(d)
	}
}

// ErrorResponse is a bare error code. It is the body of an addWatch reply
// (always 0, after a ReplyHeader that carries the real error) and the
// result of a failed (or rolled back) op inside a MultiResponse.
type ErrorResponse struct {
	Err Err
}

// Encode appends the record to e.
func (r *ErrorResponse) Encode(e *Encoder) { e.Int(int32(r.Err)) }

// Decode reads the record from d.
func (r *ErrorResponse) Decode(d *Decoder) { r.Err = Err(d.Int()) }

// SetSASLResponse answers sasl (102) with the server's SASL token.
type SetSASLResponse struct {
	Token []byte
}

// Encode appends the record to e.
func (r *SetSASLResponse) Encode(e *Encoder) { e.Buffer(r.Token) }

// Decode reads the record from d.
func (r *SetSASLResponse) Decode(d *Decoder) { r.Token = d.Buffer() }

// ResponseRecord returns a fresh, empty record for the body of a successful
// (Err 0) reply to op, or nil when such a reply is the ReplyHeader alone
// (delete, ping, closeSession, auth, setWatches, setWatches2, checkWatches,
// removeWatches, check) or op is unknown. Notifications (xid -1) carry a
// WatcherEvent, which the caller selects by xid.
func ResponseRecord(op Op) Record {
	switch op {
	case OpCreate:
		return &CreateResponse{}
	case OpCreate2, OpCreateContainer, OpCreateTTL:
		return &Create2Response{}
	case OpExists:
		return &ExistsResponse{}
	case OpGetData, OpReconfig:
		return &GetDataResponse{}
	case OpSetData:
		return &SetDataResponse{}
	case OpGetACL:
		return &GetACLResponse{}
	case OpSetACL:
		return &SetACLResponse{}
	case OpGetChildren:
		return &GetChildrenResponse{}
	case OpGetChildren2:
		return &GetChildren2Response{}
	case OpSync:
		return &SyncResponse{}
	case OpMulti, OpMultiRead:
		return &MultiResponse{}
	case OpGetEphemerals:
		return &GetEphemeralsResponse{}
	case OpGetAllChildrenNumber:
		return &GetAllChildrenNumberResponse{}
	case OpWhoAmI:
		return &WhoAmIResponse{}
	case OpAddWatch:
		return &ErrorResponse{}
	case OpSASL:
		return &SetSASLResponse{}
	}
	return nil
}
