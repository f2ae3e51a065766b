package zab

import (
	"errors"
	"fmt"
	"slices"
)

// Errors returned by Broadcast.
var (
	// ErrOutOfOrder is returned for a proposal whose zxid is not above the last one.
	ErrOutOfOrder = errors.New("zab: proposal zxid not increasing")
	// ErrNotVoter is returned for an ACK from a server outside the voting set.
	ErrNotVoter = errors.New("zab: ack from a non-voter")
)

// Entry is one txn in the broadcast: its zxid and its serialized bytes
// (TxnHeader + txn record), opaque to this package.
type Entry struct {
	Zxid int64
	Data []byte
}

// Message is an output addressed to one peer.
type Message struct {
	To   int64
	Type int32 // proto packet type: PROPOSAL, COMMIT, INFORM
	Zxid int64
	Data []byte // the entry for PROPOSAL and INFORM, nil for COMMIT
}

// Ready is what Broadcast asks its caller to do, in this order:
//   - Persist must be appended to the txn log and made durable; only then may
//     the caller report them with Durable (the leader's own ACK).
//   - Messages may be sent at once (proposals need not wait for the local fsync:
//     ZooKeeper's leader sends PROPOSAL before its own log write completes).
//   - Committed are committed in zxid order and must be applied in that order.
type Ready struct {
	Persist   []Entry
	Messages  []Message
	Committed []Entry
}

// Empty reports whether there is nothing to do.
func (r Ready) Empty() bool {
	return len(r.Persist) == 0 && len(r.Messages) == 0 && len(r.Committed) == 0
}

// Packet types used in Message.Type (QuorumPacket types).
const (
	PacketProposal int32 = 2
	PacketCommit   int32 = 4
	PacketInform   int32 = 8
)

// Broadcast is the leader's broadcast phase for one epoch: proposals are
// committed strictly in zxid order once a quorum of voters (the leader
// included) has acknowledged them. It is not safe for concurrent use.
//
// ZAB voters log and acknowledge in zxid order, so one ACK covers every
// earlier proposal: the state is each voter's highest acknowledged zxid, not
// a set of acks per proposal, and a proposal costs no allocation of its own.
type Broadcast struct {
	self      int64
	voters    []int64 // sorted
	acked     []int64 // acked[i]: the highest zxid voters[i] acknowledged
	observers []int64
	lastZxid  int64   // highest zxid proposed
	committed int64   // highest zxid committed
	pending   []Entry // proposed, not yet committed, in zxid order
	out       Ready
	scratch   []int64 // for quorumZxid
}

// NewBroadcast starts broadcasting as leader self over the given voters
// (which must include self) and observers, after lastZxid.
func NewBroadcast(self int64, voters, observers []int64, lastZxid int64) *Broadcast {
	b := &Broadcast{
		self:      self,
		voters:    slices.Compact(slices.Sorted(slices.Values(voters))),
		observers: slices.Compact(slices.Sorted(slices.Values(observers))),
		lastZxid:  lastZxid,
		committed: lastZxid,
	}
	b.acked = make([]int64, len(b.voters))
	for i := range b.acked {
		b.acked[i] = lastZxid
	}
	return b
}

// LastZxid is the highest zxid proposed.
func (b *Broadcast) LastZxid() int64 { return b.lastZxid }

// Committed is the highest zxid committed.
func (b *Broadcast) Committed() int64 { return b.committed }

// Outstanding is the number of proposals not yet committed.
func (b *Broadcast) Outstanding() int { return len(b.pending) }

// Propose orders e after every earlier proposal: it is to be persisted
// locally and sent to every other voter.
func (b *Broadcast) Propose(e Entry) error {
	if e.Zxid <= b.lastZxid {
		return fmt.Errorf("%w: %#x after %#x", ErrOutOfOrder, e.Zxid, b.lastZxid)
	}
	b.lastZxid = e.Zxid
	b.pending = append(b.pending, e)
	b.out.Persist = append(b.out.Persist, e)
	for _, v := range b.voters {
		if v != b.self {
			b.out.Messages = append(b.out.Messages, Message{To: v, Type: PacketProposal, Zxid: e.Zxid, Data: e.Data})
		}
	}
	return nil
}

// Durable records that every entry up to zxid is durable in the local log:
// the leader's own acknowledgement.
func (b *Broadcast) Durable(zxid int64) { _ = b.Ack(b.self, zxid) }

// Ack records that voter from has logged every proposal up to zxid. An ACK
// beyond the last proposal covers only what was proposed.
func (b *Broadcast) Ack(from int64, zxid int64) error {
	i, ok := slices.BinarySearch(b.voters, from)
	if !ok {
		return fmt.Errorf("%w: %d", ErrNotVoter, from)
	}
	b.acked[i] = max(b.acked[i], min(zxid, b.lastZxid))
	b.commitReady()
	return nil
}

// commitReady commits the longest prefix of pending proposals that a quorum
// has acknowledged: ZAB never commits a proposal before an earlier one.
func (b *Broadcast) commitReady() {
	upTo := b.quorumZxid()
	n := 0
	for _, e := range b.pending {
		if e.Zxid > upTo {
			break
		}
		n++
		b.committed = e.Zxid
		b.out.Committed = append(b.out.Committed, e)
		for _, v := range b.voters {
			if v != b.self {
				b.out.Messages = append(b.out.Messages, Message{To: v, Type: PacketCommit, Zxid: e.Zxid})
			}
		}
		for _, o := range b.observers {
			b.out.Messages = append(b.out.Messages, Message{To: o, Type: PacketInform, Zxid: e.Zxid, Data: e.Data})
		}
	}
	if n > 0 {
		clear(b.pending[:n])
		b.pending = b.pending[n:]
	}
}

// quorumZxid is the highest zxid a quorum of voters has acknowledged: the
// quorum-th highest of their acknowledged zxids.
func (b *Broadcast) quorumZxid() int64 {
	if len(b.acked) == 1 {
		return b.acked[0]
	}
	b.scratch = append(b.scratch[:0], b.acked...)
	slices.Sort(b.scratch)
	quorum := len(b.voters)/2 + 1
	return b.scratch[len(b.scratch)-quorum]
}

// Ready returns the accumulated outputs and clears them.
func (b *Broadcast) Ready() Ready {
	r := b.out
	b.out = Ready{}
	return r
}
