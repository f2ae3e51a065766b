package proto

// Id is an ACL identity: a scheme and an id within it ("world", "anyone").
type Id struct {
	Scheme string
	ID     string
}

// Encode appends the record to e.
func (r *Id) Encode(e *Encoder) { e.String(r.Scheme); e.String(r.ID) }

// Decode reads the record from d.
func (r *Id) Decode(d *Decoder) { r.Scheme = d.String(); r.ID = d.String() }

// ACL grants Perms to the identities that Id matches.
type ACL struct {
	Perms int32
	ID    Id
}

// Encode appends the record to e.
func (r *ACL) Encode(e *Encoder) { e.Int(r.Perms); r.ID.Encode(e) }

// Decode reads the record from d.
func (r *ACL) Decode(d *Decoder) { r.Perms = d.Int(); r.ID.Decode(d) }

// Well-known ACL lists (ZooDefs.Ids).
var (
	// WorldAnyone is the anyone identity.
	WorldAnyone = Id{Scheme: "world", ID: "anyone"}
	// OpenACLUnsafe grants everything to everyone.
	OpenACLUnsafe = []ACL{{Perms: PermAll, ID: WorldAnyone}}
	// ReadACLUnsafe grants read to everyone.
	ReadACLUnsafe = []ACL{{Perms: PermRead, ID: WorldAnyone}}
)

// EncodeACLs appends a vector<ACL>; nil is written as -1.
func EncodeACLs(e *Encoder, v []ACL) {
	if v == nil {
		e.Int(-1)
		return
	}
	e.Int(int32(len(v)))
	for i := range v {
		v[i].Encode(e)
	}
}

// DecodeACLs reads a vector<ACL>; null gives nil.
func DecodeACLs(d *Decoder) []ACL {
	n := d.VectorLen(12)
	if n < 0 || d.Err() != nil {
		return nil
	}
	v := make([]ACL, n)
	for i := range v {
		v[i].Decode(d)
	}
	return v
}

// EncodeIds appends a vector<Id>; nil is written as -1.
func EncodeIds(e *Encoder, v []Id) {
	if v == nil {
		e.Int(-1)
		return
	}
	e.Int(int32(len(v)))
	for i := range v {
		v[i].Encode(e)
	}
}

// DecodeIds reads a vector<Id>; null gives nil.
func DecodeIds(d *Decoder) []Id {
	n := d.VectorLen(8)
	if n < 0 || d.Err() != nil {
		return nil
	}
	v := make([]Id, n)
	for i := range v {
		v[i].Decode(d)
	}
	return v
}

// Stat is a znode's metadata as clients see it (68 bytes on the wire).
type Stat struct {
	Czxid          int64 // zxid of the create
	Mzxid          int64 // zxid of the last data change
	Ctime          int64 // ms since epoch of the create
	Mtime          int64 // ms since epoch of the last data change
	Version        int32 // data version
	Cversion       int32 // children version
	Aversion       int32 // ACL version
	EphemeralOwner int64 // session id of an ephemeral's owner, else 0 (or a container/TTL marker)
	DataLength     int32
	NumChildren    int32
	Pzxid          int64 // zxid of the last change to the children
}

// Encode appends the record to e.
func (r *Stat) Encode(e *Encoder) {
	e.Long(r.Czxid)
	e.Long(r.Mzxid)
	e.Long(r.Ctime)
	e.Long(r.Mtime)
	e.Int(r.Version)
	e.Int(r.Cversion)
	e.Int(r.Aversion)
	e.Long(r.EphemeralOwner)
	e.Int(r.DataLength)
	e.Int(r.NumChildren)
	e.Long(r.Pzxid)
}

// Decode reads the record from d.
func (r *Stat) Decode(d *Decoder) {
	r.Czxid = d.Long()
	r.Mzxid = d.Long()
	r.Ctime = d.Long()
	r.Mtime = d.Long()
	r.Version = d.Int()
	r.Cversion = d.Int()
	r.Aversion = d.Int()
	r.EphemeralOwner = d.Long()
	r.DataLength = d.Int()
	r.NumChildren = d.Int()
	r.Pzxid = d.Long()
}

// StatPersisted is the part of a Stat stored in snapshots.
type StatPersisted struct {
	Czxid          int64
	Mzxid          int64
	Ctime          int64
	Mtime          int64
	Version        int32
	Cversion       int32
	Aversion       int32
	EphemeralOwner int64
	Pzxid          int64
}

// Encode appends the record to e.
func (r *StatPersisted) Encode(e *Encoder) {
	e.Long(r.Czxid)
	e.Long(r.Mzxid)
	e.Long(r.Ctime)
	e.Long(r.Mtime)
	e.Int(r.Version)
	e.Int(r.Cversion)
	e.Int(r.Aversion)
	e.Long(r.EphemeralOwner)
	e.Long(r.Pzxid)
}

// Decode reads the record from d.
func (r *StatPersisted) Decode(d *Decoder) {
	r.Czxid = d.Long()
	r.Mzxid = d.Long()
	r.Ctime = d.Long()
	r.Mtime = d.Long()
	r.Version = d.Int()
	r.Cversion = d.Int()
	r.Aversion = d.Int()
	r.EphemeralOwner = d.Long()
	r.Pzxid = d.Long()
}
