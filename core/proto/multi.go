package proto

import (
	"errors"
	"fmt"
)

// ErrBadMultiOp is the decode error for an op type that may not appear
// inside a multi request or response; ZooKeeper answers such a request with
// MarshallingError.
var ErrBadMultiOp = errors.New("proto: op not allowed in a multi")

// multiHeaderSize is the encoded size of a MultiHeader, the least any entry
// of a multi can take; it bounds decode loops on hostile input.
const multiHeaderSize = 9

// MultiHeader precedes every op of a multi request and every result of a
// multi response. A header with Done set ends the list; ZooKeeper writes it
// as {-1, true, -1}.
type MultiHeader struct {
	Type Op
	Done bool
	Err  Err
}

// Encode appends the record to e.
func (r *MultiHeader) Encode(e *Encoder) { e.Int(int32(r.Type)); e.Bool(r.Done); e.Int(int32(r.Err)) }

// Decode reads the record from d.
func (r *MultiHeader) Decode(d *Decoder) {
	r.Type = Op(d.Int())
	r.Done = d.Bool()
	r.Err = Err(d.Int())
}

// multiEnd is the header that terminates both multi requests and responses.
var multiEnd = MultiHeader{Type: OpError, Done: true, Err: -1}

// MultiOp is one op of a MultiRequest: its type and request record.
type MultiOp struct {
	Type   Op
	Record Record
}

// MultiRequest is the body of multi (14) and multiRead (22): each op as a
// MultiHeader{type, false, -1} and its request record, then the terminator
// {-1, true, -1}.
type MultiRequest struct {
	Ops []MultiOp
}

// multiOpRecord returns an empty request record for an op allowed inside a
// multi, or nil.
func multiOpRecord(op Op) Record {
	switch op {
	case OpCreate, OpCreate2, OpCreateContainer:
		return &CreateRequest{}
	case OpCreateTTL:
		return &CreateTTLRequest{}
	case OpDelete:
		return &DeleteRequest{}
	case OpSetData:
		return &SetDataRequest{}
	case OpCheck:
		return &CheckVersionRequest{}
	case OpGetData:
		return &GetDataRequest{}
	case OpGetChildren:
		return &GetChildrenRequest{}
	}
	return nil
}

// Encode appends the record to e. An op with a nil Record is written as
// its header alone.
func (r *MultiRequest) Encode(e *Encoder) {
	for i := range r.Ops {
		op := &r.Ops[i]
		h := MultiHeader{Type: op.Type, Done: false, Err: -1}
		h.Encode(e)
		if op.Record != nil {
			op.Record.Encode(e)
		}
	}
	end := multiEnd
	end.Encode(e)
}

// Decode reads the record from d. The header's err of each op is ignored
// and the terminator is recognised by its done flag alone, as ZooKeeper
// does; an op type that may not appear in a multi is ErrBadMultiOp.
func (r *MultiRequest) Decode(d *Decoder) {
	r.Ops = nil
	for d.Err() == nil {
		if d.Remaining() < multiHeaderSize {
			d.Fail(ErrShortBuffer)
			return
		}
		var h MultiHeader
		h.Decode(d)
		if h.Done {
			return
		}
		rec := multiOpRecord(h.Type)
		if rec == nil {
			d.Fail(fmt.Errorf("%w: request op %d", ErrBadMultiOp, int32(h.Type)))
			return
		}
		rec.Decode(d)
		r.Ops = append(r.Ops, MultiOp{Type: h.Type, Record: rec})
	}
}

// MultiResult is one result of a MultiResponse. Type is the op's type, or
// OpError (-1) for an op that failed or was rolled back, in which case Err
// is its error code and Record an *ErrorResponse with the same code. Record
// is nil for delete and check, whose success has no body.
type MultiResult struct {
	Type   Op
	Err    Err
	Record Record
}

// MultiResponse is the body of a multi or multiRead reply: each result as a
// MultiHeader{type, false, err} and its body, then {-1, true, -1}.
//
// A failed multi is answered with ReplyHeader.Err 0 and every result of type
// -1: ErrOK for the ops before the failing one, its error for that op, and
// ErrRuntimeInconsistency for the ops after it (java-multi seq 7). A
// multiRead answers each op independently (seq 9).
type MultiResponse struct {
	Results []MultiResult
}

// multiResultRecord returns an empty record for the body of a result of type
// op, nil for a result without a body, and ok false for a type that may not
// appear. ZooKeeper reports createContainer and createTTL results as create2;
// their own types are accepted too.
func multiResultRecord(op Op) (rec Record, ok bool) {
	switch op {
	case OpError:
		return &ErrorResponse{}, true
	case OpCreate:
		return &CreateResponse{}, true
	case OpCreate2, OpCreateContainer, OpCreateTTL:
		return &Create2Response{}, true
	case OpSetData:
		return &SetDataResponse{}, true
	case OpDelete, OpCheck:
		return nil, true
	case OpGetData:
		return &GetDataResponse{}, true
	case OpGetChildren:
		return &GetChildrenResponse{}, true
	}
	return nil, false
}

// Encode appends the record to e. A result of type OpError with a nil
// Record gets an ErrorResponse holding its Err.
func (r *MultiResponse) Encode(e *Encoder) {
	for i := range r.Results {
		res := &r.Results[i]
		h := MultiHeader{Type: res.Type, Done: false, Err: res.Err}
		h.Encode(e)
		switch {
		case res.Record != nil:
			res.Record.Encode(e)
		case res.Type == OpError:
			er := ErrorResponse{Err: res.Err}
			er.Encode(e)
		}
	}
	end := multiEnd
	end.Encode(e)
}

// Decode reads the record from d; a result type that may not appear in a
// multi is ErrBadMultiOp.
func (r *MultiResponse) Decode(d *Decoder) {
	r.Results = nil
	for d.Err() == nil {
		if d.Remaining() < multiHeaderSize {
			d.Fail(ErrShortBuffer)
			return
		}
		var h MultiHeader
		h.Decode(d)
		if h.Done {
			return
		}
		rec, ok := multiResultRecord(h.Type)
		if !ok {
			d.Fail(fmt.Errorf("%w: result op %d", ErrBadMultiOp, int32(h.Type)))
			return
		}
		if rec != nil {
			rec.Decode(d)
		}
		r.Results = append(r.Results, MultiResult{Type: h.Type, Err: h.Err, Record: rec})
	}
}
