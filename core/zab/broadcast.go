package zab

import (
	"errors"
	"fmt"
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

type proposal struct {
	entry Entry
	acks  map[int64]bool
}

// Broadcast is the leader's broadcast phase for one epoch: proposals are
// committed strictly in zxid order once a quorum of voters (the leader
// included) has acknowledged them. It is not safe for concurrent use.
type Broadcast struct {
	self      int64
	voters    map[int64]bool
	observers map[int64]bool
	lastZxid  int64 // highest zxid proposed
	committed int64 // highest zxid committed
	pending   []*proposal
	out       Ready
}

// NewBroadcast starts broadcasting as leader self over the given voters
// (which must include self) and observers, after lastZxid.
func NewBroadcast(self int64, voters, observers []int64, lastZxid int64) *Broadcast {
	b := &Broadcast{
		self:      self,
		voters:    map[int64]bool{},
		observers: map[int64]bool{},
		lastZxid:  lastZxid,
		committed: lastZxid,
	}
	for _, v := range voters {
		b.voters[v] = true
	}
	for _, o := range observers {
		b.observers[o] = true
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
	b.pending = append(b.pending, &proposal{entry: e, acks: map[int64]bool{}})
	b.out.Persist = append(b.out.Persist, e)
	for v := range b.voters {
		if v != b.self {
			b.out.Messages = append(b.out.Messages, Message{To: v, Type: PacketProposal, Zxid: e.Zxid, Data: e.Data})
		}
	}
	return nil
}

// Durable records that every entry up to zxid is durable in the local log:
// the leader's own acknowledgement.
func (b *Broadcast) Durable(zxid int64) { _ = b.Ack(b.self, zxid) }

// Ack records that voter from has logged every proposal up to zxid. ZAB
// followers log and acknowledge in order, so one ACK covers all earlier
// proposals too.
func (b *Broadcast) Ack(from int64, zxid int64) error {
	if !b.voters[from] {
		return fmt.Errorf("%w: %d", ErrNotVoter, from)
	}
	for _, p := range b.pending {
		if p.entry.Zxid > zxid {
			break
		}
		p.acks[from] = true
	}
	b.commitReady()
	return nil
}

// commitReady commits the longest prefix of pending proposals that a quorum
// has acknowledged: ZAB never commits a proposal before an earlier one.
func (b *Broadcast) commitReady() {
	quorum := len(b.voters)/2 + 1
	n := 0
	for _, p := range b.pending {
		if len(p.acks) < quorum {
			break
		}
		n++
		b.committed = p.entry.Zxid
		b.out.Committed = append(b.out.Committed, p.entry)
		for v := range b.voters {
			if v != b.self {
				b.out.Messages = append(b.out.Messages, Message{To: v, Type: PacketCommit, Zxid: p.entry.Zxid})
			}
		}
		for o := range b.observers {
			b.out.Messages = append(b.out.Messages, Message{To: o, Type: PacketInform, Zxid: p.entry.Zxid, Data: p.entry.Data})
		}
	}
	if n > 0 {
		clear(b.pending[:n])
		b.pending = b.pending[n:]
	}
}

// Ready returns the accumulated outputs and clears them.
func (b *Broadcast) Ready() Ready {
	r := b.out
	b.out = Ready{}
	return r
}
