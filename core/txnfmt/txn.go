// Package txnfmt prints txns and snapshot trees as Apache ZooKeeper's own
// tools print them (TxnLogToolkit, SnapshotFormatter), so that operators and
// scripts used to those tools can read Warren's output, and the two can be
// compared line for line.
//
// The txn format is that of ZooKeeper's current source (after
// ZOOKEEPER-4864): a multi lists its sub-txns formatted one by one, a delete
// prints its path, and createTTL is spelled so. ZooKeeper 3.8 and 3.9
// releases print a multi's sub-txns as raw bytes, a delete as "'path" and
// 3.8 says createTtl. Times are printed in the given location, as the JVM
// prints them in its default time zone, in the en_US formats.
package txnfmt

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/warrenzk/warren/core/proto"
)

// Line formats one txn as TxnLogToolkit prints it, without a trailing
// newline: time, session, cxid, zxid, type and the txn's fields. rec may be
// nil (a closeSession logged before ZooKeeper 3.6).
func Line(hdr *proto.TxnHeader, rec proto.Record, loc *time.Location) string {
	s := fmt.Sprintf("%s session 0x%x cxid 0x%x zxid 0x%x %s %s",
		time.UnixMilli(hdr.Time).In(loc).Format("1/2/06, 3:04:05 PM MST"),
		uint64(hdr.ClientID), uint64(int64(hdr.Cxid)), uint64(hdr.Zxid),
		OpName(hdr.Type), Body(rec))
	return strings.TrimSuffix(s, "\n")
}

// OpName is Request.op2String.
func OpName(op proto.Op) string {
	if s := op.String(); s != "unknown" {
		return s
	}
	return "unknown " + strconv.Itoa(int(op))
}

// Body formats a txn record as TxnLogToolkit.getFormattedTxnStr: the
// fields of the common txns comma-separated, data as UTF-8 text, and the
// rest in jute's toString form (which ends with a newline).
func Body(rec proto.Record) string {
	switch r := rec.(type) {
	case nil:
		return ""
	case *proto.CreateTxn:
		return fmt.Sprintf("%s,%s,%s,%t,%d", r.Path, text(r.Data), aclList(r.ACL), r.Ephemeral, r.ParentCversion)
	case *proto.SetDataTxn:
		return fmt.Sprintf("%s,%s,%d", r.Path, text(r.Data), r.Version)
	case *proto.CreateContainerTxn:
		return fmt.Sprintf("%s,%s,%s,%d", r.Path, text(r.Data), aclList(r.ACL), r.ParentCversion)
	case *proto.CreateTTLTxn:
		return fmt.Sprintf("%s,%s,%s,%d,%d", r.Path, text(r.Data), aclList(r.ACL), r.ParentCversion, r.TTL)
	case *proto.DeleteTxn:
		return r.Path
	case *proto.CheckVersionTxn:
		return fmt.Sprintf("%s,%d", r.Path, r.Version)
	case *proto.MultiTxn:
		return multi(r)
	case *proto.CreateSessionTxn:
		return fmt.Sprintf("%d\n", r.TimeOut)
	case *proto.ErrorTxn:
		return fmt.Sprintf("%d\n", int32(r.Err))
	case *proto.CloseSessionTxn:
		var b strings.Builder
		b.WriteString("v{")
		for i, p := range r.Paths {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(Quote(p))
		}
		b.WriteString("}\n")
		return b.String()
	case *proto.SetACLTxn:
		var b strings.Builder
		b.WriteString(Quote(r.Path) + ",v{")
		for i, a := range r.ACL {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "s{%d,s{%s,%s}}", a.Perms, Quote(a.ID.Scheme), Quote(a.ID.ID))
		}
		fmt.Fprintf(&b, "},%d\n", r.Version)
		return b.String()
	}
	return fmt.Sprintf("%T", rec)
}

// multi formats a multi's sub-txns as "type:fields;type:fields".
func multi(m *proto.MultiTxn) string {
	var b strings.Builder
	for i, sub := range m.Txns {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(OpName(sub.Type) + ":")
		if sub.Type == proto.OpError {
			// ZooKeeper reads the code straight from the bytes.
			if len(sub.Data) >= 4 {
				b.WriteString(strconv.Itoa(int(int32(binary.BigEndian.Uint32(sub.Data)))))
			}
			continue
		}
		rec := subRecord(sub.Type)
		if rec == nil || !decodes(sub.Data, rec) {
			fmt.Fprintf(&b, "<%d undecodable bytes>", len(sub.Data))
			continue
		}
		b.WriteString(Body(rec))
	}
	return b.String()
}

// decodes reports whether rec decodes from data, which may have bytes left
// over: ZooKeeper does not check for them.
func decodes(data []byte, rec proto.Record) bool {
	d := proto.NewDecoder(data)
	rec.Decode(d)
	return d.Err() == nil
}

// subRecord is TxnLogToolkit.deserializeSubTxn: the types a multi may hold.
func subRecord(op proto.Op) proto.Record {
	switch op {
	case proto.OpCreate, proto.OpCreate2, proto.OpCreateTTL, proto.OpCreateContainer,
		proto.OpDelete, proto.OpDeleteContainer, proto.OpSetData, proto.OpCheck:
		return proto.TxnRecord(op)
	}
	return nil
}

// aclList is java.util.List<ACL>.toString: each ACL in jute's toString
// form, newline included, between brackets.
func aclList(acl []proto.ACL) string {
	if acl == nil {
		return "null"
	}
	parts := make([]string, len(acl))
	for i, a := range acl {
		parts[i] = fmt.Sprintf("%d,s{%s,%s}\n", a.Perms, Quote(a.ID.Scheme), Quote(a.ID.ID))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Quote is jute's ToStringOutputArchive string form (Utils.toCSVString),
// how a record's toString prints a string: a leading quote and the
// characters that would break its comma-and-brace syntax escaped.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case 0:
			b.WriteString("%00")
		case '\n':
			b.WriteString("%0A")
		case '\r':
			b.WriteString("%0D")
		case ',':
			b.WriteString("%2C")
		case '}':
			b.WriteString("%7D")
		case '%':
			b.WriteString("%25")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// text is new String(data, UTF_8): invalid bytes become U+FFFD.
func text(data []byte) string {
	if utf8.Valid(data) {
		return string(data)
	}
	var b strings.Builder
	for _, r := range string(data) {
		b.WriteRune(r) // an invalid byte ranges as utf8.RuneError
	}
	return b.String()
}

// FileHeaderLine is TxnLogToolkit's first line for a log file.
func FileHeaderLine(dbid int64, version int32) string {
	return fmt.Sprintf("ZooKeeper Transactional Log File with dbid %d txnlog format version %d", dbid, version)
}

// EOFLine is TxnLogToolkit's last line for a log file.
func EOFLine(count int) string { return fmt.Sprintf("EOF reached after %d txns.", count) }
