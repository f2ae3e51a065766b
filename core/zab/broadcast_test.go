package zab

import (
	"errors"
	"testing"
)

func TestSingleVoterCommitsWhenDurable(t *testing.T) {
	b := NewBroadcast(1, []int64{1}, nil, 0x100000000)
	for z := int64(0x100000001); z <= 0x100000003; z++ {
		if err := b.Propose(Entry{Zxid: z}); err != nil {
			t.Fatal(err)
		}
	}
	r := b.Ready()
	if len(r.Persist) != 3 || len(r.Messages) != 0 || len(r.Committed) != 0 {
		t.Fatalf("ready after propose = %+v", r)
	}
	b.Durable(0x100000002)
	r = b.Ready()
	if len(r.Committed) != 2 || r.Committed[1].Zxid != 0x100000002 {
		t.Fatalf("committed = %+v, want first two", r.Committed)
	}
	b.Durable(0x100000003)
	if r = b.Ready(); len(r.Committed) != 1 || b.Outstanding() != 0 {
		t.Fatalf("committed = %+v outstanding %d", r.Committed, b.Outstanding())
	}
}

func TestQuorumOfThreeCommitsInOrder(t *testing.T) {
	b := NewBroadcast(1, []int64{1, 2, 3}, []int64{4}, 0)
	_ = b.Propose(Entry{Zxid: 1})
	_ = b.Propose(Entry{Zxid: 2})
	r := b.Ready()
	if len(r.Messages) != 4 {
		t.Fatalf("want 2 proposals to each of 2 followers, got %+v", r.Messages)
	}
	// A follower acks the second proposal before the leader's fsync: no
	// quorum for either yet (one ack each).
	_ = b.Ack(2, 2)
	if r = b.Ready(); len(r.Committed) != 0 {
		t.Fatalf("committed without quorum: %+v", r.Committed)
	}
	b.Durable(1)
	r = b.Ready()
	if len(r.Committed) != 1 || r.Committed[0].Zxid != 1 {
		t.Fatalf("committed = %+v, want zxid 1 only", r.Committed)
	}
	var commits, informs int
	for _, m := range r.Messages {
		switch m.Type {
		case PacketCommit:
			commits++
		case PacketInform:
			informs++
		}
	}
	if commits != 2 || informs != 1 {
		t.Fatalf("commits %d informs %d, want 2 and 1", commits, informs)
	}
	_ = b.Ack(3, 2)
	if r = b.Ready(); len(r.Committed) != 1 || r.Committed[0].Zxid != 2 {
		t.Fatalf("committed = %+v, want zxid 2", r.Committed)
	}
}

func TestRejectsOutOfOrderAndStrangers(t *testing.T) {
	b := NewBroadcast(1, []int64{1}, nil, 5)
	if err := b.Propose(Entry{Zxid: 5}); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("propose 5 after 5: %v", err)
	}
	if err := b.Ack(9, 6); !errors.Is(err, ErrNotVoter) {
		t.Fatalf("ack from 9: %v", err)
	}
}

// An ACK beyond the last proposal must not count for proposals made after
// it: a voter acknowledges only what it has logged.
func TestAckCoversOnlyWhatWasProposed(t *testing.T) {
	b := NewBroadcast(1, []int64{1, 2, 3}, nil, 0)
	_ = b.Propose(Entry{Zxid: 1})
	if err := b.Ack(2, 5); err != nil {
		t.Fatal(err)
	}
	_ = b.Propose(Entry{Zxid: 2})
	b.Durable(2)
	r := b.Ready()
	if len(r.Committed) != 1 || r.Committed[0].Zxid != 1 || b.Committed() != 1 {
		t.Fatalf("committed = %+v (up to %d), want zxid 1 only", r.Committed, b.Committed())
	}
	_ = b.Ack(3, 2)
	if r = b.Ready(); len(r.Committed) != 1 || r.Committed[0].Zxid != 2 {
		t.Fatalf("committed = %+v, want zxid 2", r.Committed)
	}
}
