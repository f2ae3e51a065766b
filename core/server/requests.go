package server

import (
	"context"
	"fmt"
	"slices"

	"github.com/warrenzk/warren/core/proto"
)

// writeOps go through prep and the broadcast; everything else is answered
// from the local tree.
var writeOps = map[proto.Op]bool{
	proto.OpCreate: true, proto.OpCreate2: true, proto.OpCreateContainer: true, proto.OpCreateTTL: true,
	proto.OpDelete: true, proto.OpSetData: true, proto.OpSetACL: true, proto.OpCheck: true,
	proto.OpMulti: true, proto.OpReconfig: true, proto.OpCloseSession: true,
	proto.OpDeleteContainer: true, // refused in prep, see toTxn
}

// bodyless ops carry nothing after the RequestHeader.
var bodyless = map[proto.Op]bool{
	proto.OpPing: true, proto.OpCloseSession: true, proto.OpWhoAmI: true,
}

// handle dispatches one request frame. It returns false to close the
// connection.
func (c *conn) handle(frame []byte) bool {
	d := &c.dec
	d.Reset(frame)
	var h proto.RequestHeader
	h.Decode(d)
	if d.Err() != nil {
		c.srv.log.Info("request shorter than its header; closing", "remote", c.nc.RemoteAddr().String())
		return false
	}
	id := c.sessionID()
	now := c.srv.cfg.Now()
	c.srv.sessions.touch(id, now)

	switch h.Type {
	case proto.OpAuth:
		return c.addAuth(h.Xid, d)
	case proto.OpSASL:
		return c.sasl(h.Xid, d)
	case proto.OpCreateSession:
		// Server-internal op: a client may not send it.
		c.reply(encodeReply(h.Xid, c.srv.tree.LastZxid(), proto.ErrBadArguments, nil))
		return true
	}

	body := proto.RequestRecord(h.Type)
	if body == nil && !bodyless[h.Type] {
		c.srv.log.Info("unknown opcode; closing the connection", "remote", c.nc.RemoteAddr().String(),
			"op", int32(h.Type), "session", fmt.Sprintf("0x%x", id))
		// UnimplementedRequestProcessor: the error, then the close.
		c.replyLast(encodeReply(h.Xid, -1, proto.ErrUnimplemented, nil))
		return true
	}
	if body != nil {
		body.Decode(d)
		if h.Type == proto.OpMulti {
			if why := unreadableMulti(body.(*proto.MultiRequest), d.Err()); why != nil {
				c.srv.log.Info("multi refused", "remote", c.nc.RemoteAddr().String(), "err", why)
				body = &refusedMulti{why: why}
			}
		} else if d.Err() != nil {
			c.srv.log.Info("malformed request", "remote", c.nc.RemoteAddr().String(), "op", h.Type, "err", d.Err())
			c.reply(encodeReply(h.Xid, c.srv.tree.LastZxid(), proto.ErrMarshallingError, nil))
			return true
		}
	}
	r := &request{conn: c, session: id, xid: h.Xid, op: h.Type, body: body, ids: c.authIDs(), start: now, size: len(frame)}
	switch {
	case writeOps[h.Type]:
		if h.Type == proto.OpCloseSession {
			// The session's last request: the connection closes after its
			// reply, whatever it is (SystemError if the log refused it).
			c.closingSession.Store(true)
			r.slot = c.enqueueLast()
		} else {
			r.slot = c.enqueue()
		}
		c.srv.submit(r)
	case h.Type == proto.OpSync:
		r.slot = c.enqueue()
		c.srv.submit(r)
	default:
		c.runRead(r)
	}
	return true
}

// addAuth handles an AuthPacket (xid -4). ZooKeeper answers a failure with
// AuthFailed and closes the connection.
func (c *conn) addAuth(xid int32, d *proto.Decoder) bool {
	var p proto.AuthPacket
	p.Decode(d)
	if d.Err() != nil {
		c.reply(encodeReply(xid, 0, proto.ErrMarshallingError, nil))
		return true
	}
	ids, err := c.srv.checker.Authenticate(context.Background(), c.info, p.Scheme, p.Auth)
	if err != nil {
		c.srv.log.Info("authentication failed; closing the connection", "remote", c.nc.RemoteAddr().String(),
			"scheme", p.Scheme, "session", fmt.Sprintf("0x%x", c.sessionID()), "err", err)
		c.replyLast(encodeReply(xid, 0, proto.ErrAuthFailed, nil))
		return true
	}
	c.mu.Lock()
	for _, id := range ids {
		if !containsID(c.ids, id) {
			// Copy on write: requests in flight hold the old slice.
			c.ids = append(slices.Clip(c.ids), id)
		}
	}
	c.mu.Unlock()
	c.reply(encodeReply(xid, 0, proto.ErrOK, nil))
	return true
}

// sasl answers a SASL token (op 102) as ZooKeeper does when it has no JAAS
// login, which is Warren's case: its connection has no SASL server,
// processSasl catches the NullPointerException ("cnxn.saslServer is null")
// and answers OK with a null token. The session gains no identity, and the
// client's SASL negotiation fails on its side. A body that does not decode
// closes the connection, as the IOException does on ZooKeeper's selector
// thread.
func (c *conn) sasl(xid int32, d *proto.Decoder) bool {
	var req proto.GetSASLRequest
	req.Decode(d)
	if d.Err() != nil {
		c.srv.log.Info("malformed SASL request; closing the connection", "remote", c.nc.RemoteAddr().String(), "err", d.Err())
		return false
	}
	c.reply(encodeReply(xid, 0, proto.ErrOK, nullSASLToken{}))
	return true
}

// nullSASLToken is a SetSASLResponse whose token is null.
type nullSASLToken struct{}

func (nullSASLToken) Encode(e *proto.Encoder) { e.Buffer(nil) }
func (nullSASLToken) Decode(*proto.Decoder)   {}

func containsID(ids []proto.Id, id proto.Id) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
