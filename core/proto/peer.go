package proto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Peer records: what servers of an ensemble send each other. The quorum
// (learner ↔ leader) port carries QuorumPackets with no framing; the
// election port carries one InitialMessage, then length-prefixed
// Notifications.

// Quorum packet types (Leader.REQUEST ... Leader.INFORMANDACTIVATE).
const (
	PacketRequest           int32 = 1  // learner → leader: a forwarded client write, data = LearnerRequest
	PacketProposal          int32 = 2  // leader → follower: data = TxnHeader + txn + TxnDigest
	PacketAck               int32 = 3  // follower → leader: zxid acknowledged, data null
	PacketCommit            int32 = 4  // leader → follower: zxid committed, data null
	PacketPing              int32 = 5  // both ways; learner's data = SessionTouches
	PacketRevalidate        int32 = 6  // session move: RevalidateRequest / RevalidateReply
	PacketSync              int32 = 7  // leader → learner: answer to a forwarded sync
	PacketInform            int32 = 8  // leader → observer: a committed txn, data as PROPOSAL
	PacketCommitAndActivate int32 = 9  // commit of a reconfig txn
	PacketNewLeader         int32 = 10 // leader → learner: zxid = newEpoch<<32, data = config text
	PacketFollowerInfo      int32 = 11 // follower → leader: data = LearnerInfo
	PacketUpToDate          int32 = 12 // leader → learner: sync done, serve clients
	PacketDiff              int32 = 13 // leader → learner: PROPOSAL/COMMIT pairs follow
	PacketTrunc             int32 = 14 // leader → learner: truncate the log to zxid
	PacketSnap              int32 = 15 // leader → learner: a serialized snapshot follows
	PacketObserverInfo      int32 = 16 // observer → leader: data = LearnerInfo
	PacketLeaderInfo        int32 = 17 // leader → learner: zxid = newEpoch<<32, data = int protocol version
	PacketAckEpoch          int32 = 18 // learner → leader: zxid = last zxid, data = int current epoch
	PacketInformAndActivate int32 = 19 // leader → observer: INFORM of a reconfig txn
)

var packetNames = [...]string{
	"", "REQUEST", "PROPOSAL", "ACK", "COMMIT", "PING", "REVALIDATE", "SYNC",
	"INFORM", "COMMITANDACTIVATE", "NEWLEADER", "FOLLOWERINFO", "UPTODATE",
	"DIFF", "TRUNC", "SNAP", "OBSERVERINFO", "LEADERINFO", "ACKEPOCH",
	"INFORMANDACTIVATE",
}

// PacketTypeName returns ZooKeeper's name for a quorum packet type, for logs.
func PacketTypeName(t int32) string {
	if t > 0 && int(t) < len(packetNames) {
		return packetNames[t]
	}
	return fmt.Sprintf("UNKNOWN(%d)", t)
}

// LearnerProtocolVersion is the protocol version ZooKeeper 3.4+ learners
// and leaders exchange in LearnerInfo and LEADERINFO.
const LearnerProtocolVersion int32 = 0x10000

// QuorumPacket is the unit of the learner ↔ leader protocol. Data is nil
// (null) for packets that carry none, such as ACK and COMMIT; AuthInfo is
// the session's identities on REQUEST and null otherwise.
type QuorumPacket struct {
	Type     int32
	Zxid     int64
	Data     []byte
	AuthInfo []Id
}

// Encode appends the record to e.
func (r *QuorumPacket) Encode(e *Encoder) {
	e.Int(r.Type)
	e.Long(r.Zxid)
	e.Buffer(r.Data)
	EncodeIds(e, r.AuthInfo)
}

// Decode reads the record from d.
func (r *QuorumPacket) Decode(d *Decoder) {
	r.Type = d.Int()
	r.Zxid = d.Long()
	r.Data = d.Buffer()
	r.AuthInfo = DecodeIds(d)
}

// ErrTooLarge is returned by the stream readers for a field longer than the
// caller's limit.
var ErrTooLarge = errors.New("proto: record too large")

// ReadQuorumPacket reads one QuorumPacket from an unframed quorum stream,
// refusing a data buffer over maxData bytes or an authinfo vector over
// maxData bytes in total, so that a hostile peer cannot force a huge
// allocation. The returned packet owns its memory.
func ReadQuorumPacket(r io.Reader, maxData int) (QuorumPacket, error) {
	var p QuorumPacket
	var hdr [16]byte // type, zxid, data length
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return p, err
	}
	p.Type = int32(binary.BigEndian.Uint32(hdr[0:]))
	p.Zxid = int64(binary.BigEndian.Uint64(hdr[4:]))
	n := int32(binary.BigEndian.Uint32(hdr[12:]))
	data, err := readSized(r, n, maxData)
	if err != nil {
		return p, fmt.Errorf("quorum packet data: %w", err)
	}
	p.Data = data
	var cnt [4]byte
	if _, err := io.ReadFull(r, cnt[:]); err != nil {
		return p, unexpectedEOF(err)
	}
	count := int32(binary.BigEndian.Uint32(cnt[:]))
	if count == -1 {
		return p, nil
	}
	if count < 0 || int64(count)*8 > int64(maxData) {
		return p, fmt.Errorf("quorum packet authinfo of %d ids: %w", count, ErrTooLarge)
	}
	p.AuthInfo = make([]Id, count)
	budget := maxData
	for i := range p.AuthInfo {
		for _, s := range []*string{&p.AuthInfo[i].Scheme, &p.AuthInfo[i].ID} {
			if _, err := io.ReadFull(r, cnt[:]); err != nil {
				return p, unexpectedEOF(err)
			}
			b, err := readSized(r, int32(binary.BigEndian.Uint32(cnt[:])), budget)
			if err != nil {
				return p, fmt.Errorf("quorum packet authinfo: %w", err)
			}
			budget -= len(b)
			*s = string(b)
		}
	}
	return p, nil
}

// readSized reads a length-prefixed field body of length n (already read):
// -1 gives nil, other negative lengths and lengths over max are errors.
func readSized(r io.Reader, n int32, max int) ([]byte, error) {
	switch {
	case n == -1:
		return nil, nil
	case n < -1:
		return nil, fmt.Errorf("%w: %d", ErrBadLength, n)
	case int64(n) > int64(max):
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, n, max)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, unexpectedEOF(err)
	}
	return b, nil
}

// unexpectedEOF turns io.EOF in the middle of a record into
// io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// LearnerInfo is the data of FOLLOWERINFO and OBSERVERINFO.
type LearnerInfo struct {
	ServerID        int64
	ProtocolVersion int32 // LearnerProtocolVersion
	ConfigVersion   int64 // version of the learner's last committed config
}

// Encode appends the record to e.
func (r *LearnerInfo) Encode(e *Encoder) {
	e.Long(r.ServerID)
	e.Int(r.ProtocolVersion)
	e.Long(r.ConfigVersion)
}

// Decode reads the record from d.
func (r *LearnerInfo) Decode(d *Decoder) {
	r.ServerID = d.Long()
	r.ProtocolVersion = d.Int()
	r.ConfigVersion = d.Long()
}

// LearnerRequest is the data of a REQUEST packet: a client request a
// learner forwards to the leader. Body is the client's request record
// without its RequestHeader (decode it with RequestRecord(Type)); for
// createSession it is the int session timeout, for closeSession it is
// empty. Body aliases the decoded buffer.
type LearnerRequest struct {
	SessionID int64
	Cxid      int32
	Type      Op
	Body      []byte
}

// Encode appends the record to e.
func (r *LearnerRequest) Encode(e *Encoder) {
	e.Long(r.SessionID)
	e.Int(r.Cxid)
	e.Int(int32(r.Type))
	e.Raw(r.Body)
}

// Decode reads the record from d; Body takes every remaining byte.
func (r *LearnerRequest) Decode(d *Decoder) {
	r.SessionID = d.Long()
	r.Cxid = d.Int()
	r.Type = Op(d.Int())
	if d.Err() != nil {
		r.Body = nil
		return
	}
	r.Body = d.Rest()
}

// SessionTimeout is a session id and its timeout in milliseconds.
type SessionTimeout struct {
	SessionID int64
	Timeout   int32
}

// Encode appends the record to e.
func (r *SessionTimeout) Encode(e *Encoder) { e.Long(r.SessionID); e.Int(r.Timeout) }

// Decode reads the record from d.
func (r *SessionTimeout) Decode(d *Decoder) { r.SessionID = d.Long(); r.Timeout = d.Int() }

// SessionTouches is the data of a learner's PING: the sessions it saw
// activity from since its last PING, as (long sessionId, int timeout) pairs
// with no count, filling the buffer. Empty when nothing was touched.
type SessionTouches struct {
	Sessions []SessionTimeout
}

// Encode appends the record to e.
func (r *SessionTouches) Encode(e *Encoder) {
	for i := range r.Sessions {
		r.Sessions[i].Encode(e)
	}
}

// Decode reads pairs until d is exhausted; a partial pair is an error.
func (r *SessionTouches) Decode(d *Decoder) {
	r.Sessions = nil
	for d.Err() == nil && d.Remaining() > 0 {
		var s SessionTimeout
		s.Decode(d)
		r.Sessions = append(r.Sessions, s)
	}
}

// RevalidateRequest is the data of a learner's REVALIDATE: a client moved
// its session to this learner, which asks the leader whether it lives.
type RevalidateRequest struct {
	SessionID int64
	Timeout   int32
}

// Encode appends the record to e.
func (r *RevalidateRequest) Encode(e *Encoder) { e.Long(r.SessionID); e.Int(r.Timeout) }

// Decode reads the record from d.
func (r *RevalidateRequest) Decode(d *Decoder) { r.SessionID = d.Long(); r.Timeout = d.Int() }

// RevalidateReply is the data of the leader's REVALIDATE answer.
type RevalidateReply struct {
	SessionID int64
	Valid     bool
}

// Encode appends the record to e.
func (r *RevalidateReply) Encode(e *Encoder) { e.Long(r.SessionID); e.Bool(r.Valid) }

// Decode reads the record from d.
func (r *RevalidateReply) Decode(d *Decoder) { r.SessionID = d.Long(); r.Valid = d.Bool() }

// Election protocol versions sent first in an InitialMessage.
const (
	// ElectionProtocolV1 is what ZooKeeper 3.5 and later send: the address
	// is one host:port.
	ElectionProtocolV1 int64 = -65536
	// ElectionProtocolV2 allows several addresses separated by '|'.
	ElectionProtocolV2 int64 = -65535
)

// Server states in election notifications (QuorumPeer.ServerState).
const (
	ServerLooking   int32 = 0
	ServerFollowing int32 = 1
	ServerLeading   int32 = 2
	ServerObserving int32 = 3
)

// NotificationVersion is the notification format ZooKeeper 3.5+ sends:
// the fixed fields, then the config length and text.
const NotificationVersion int32 = 2

// InitialMessage is the handshake a server sends first on an election
// connection it initiated: protocol version, its sid, and its own election
// address, with no length prefix before the whole. A pre-3.5 server sends
// only its sid, as a single non-negative long; such a message decodes with
// ProtocolVersion = ServerID = that sid and an empty Addr, and encodes back
// to the single long.
type InitialMessage struct {
	ProtocolVersion int64
	ServerID        int64
	Addr            string
}

// Encode appends the record to e.
func (r *InitialMessage) Encode(e *Encoder) {
	e.Long(r.ProtocolVersion)
	if r.ProtocolVersion >= 0 {
		return
	}
	e.Long(r.ServerID)
	e.String(r.Addr)
}

// Decode reads the record from d.
func (r *InitialMessage) Decode(d *Decoder) {
	r.ProtocolVersion = d.Long()
	if d.Err() == nil && r.ProtocolVersion >= 0 {
		r.ServerID, r.Addr = r.ProtocolVersion, ""
		return
	}
	r.ServerID = d.Long()
	n := d.Int()
	if d.Err() != nil {
		return
	}
	if n < 0 {
		d.Fail(fmt.Errorf("%w: address of %d bytes", ErrBadLength, n))
		return
	}
	r.Addr = string(d.take(int(n)))
}

// ReadInitialMessage reads an InitialMessage from the start of an election
// connection, refusing an address longer than maxAddr bytes.
func ReadInitialMessage(r io.Reader, maxAddr int) (InitialMessage, error) {
	var m InitialMessage
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return m, err
	}
	m.ProtocolVersion = int64(binary.BigEndian.Uint64(b[:]))
	if m.ProtocolVersion >= 0 {
		m.ServerID = m.ProtocolVersion
		return m, nil
	}
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return m, unexpectedEOF(err)
	}
	m.ServerID = int64(binary.BigEndian.Uint64(hdr[:]))
	n := int32(binary.BigEndian.Uint32(hdr[8:]))
	if n < 0 {
		return m, fmt.Errorf("election handshake address: %w: %d", ErrBadLength, n)
	}
	addr, err := readSized(r, n, maxAddr)
	if err != nil {
		return m, fmt.Errorf("election handshake address: %w", err)
	}
	m.Addr = string(addr)
	return m, nil
}

// Notification is an election message, sent length-prefixed both ways on
// an election connection: the sender's state, the leader it proposes (or
// follows) with that leader's last zxid and epoch, its election round, and
// its view of the ensemble config (the text of /zookeeper/config, which
// carries a version= line for dynamic configs).
type Notification struct {
	State         int32 // ServerLooking, ...
	Leader        int64 // proposed or known leader sid
	Zxid          int64 // the proposed leader's last zxid
	ElectionEpoch int64 // the sender's election round
	PeerEpoch     int64 // the proposed leader's epoch
	Version       int32 // NotificationVersion
	Config        []byte
}

// Encode appends the record to e. Config is written as an int length and
// the bytes; ZooKeeper never sends a null config, and nil is written as
// length 0.
func (r *Notification) Encode(e *Encoder) {
	e.Int(r.State)
	e.Long(r.Leader)
	e.Long(r.Zxid)
	e.Long(r.ElectionEpoch)
	e.Long(r.PeerEpoch)
	e.Int(r.Version)
	e.Int(int32(len(r.Config)))
	e.Raw(r.Config)
}

// Decode reads the record from d. Every field is required: the shorter
// notifications of ZooKeeper before 3.5 are a decode error. A negative
// config length is an error; length 0 gives a non-nil empty Config.
func (r *Notification) Decode(d *Decoder) {
	r.State = d.Int()
	r.Leader = d.Long()
	r.Zxid = d.Long()
	r.ElectionEpoch = d.Long()
	r.PeerEpoch = d.Long()
	r.Version = d.Int()
	n := d.Int()
	if d.Err() != nil {
		return
	}
	if n < 0 {
		d.Fail(fmt.Errorf("%w: config of %d bytes", ErrBadLength, n))
		return
	}
	r.Config = d.take(int(n))
}
