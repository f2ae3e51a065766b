package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/txnfmt"
)

// javaDate is java.util.Date.toString's layout, in the local time zone.
const javaDate = "Mon Jan 02 15:04:05 MST 2006"

// hex is Long.toHexString: two's complement for negative values.
func hex(v int64) string { return "0x" + strconv.FormatUint(uint64(v), 16) }

// writeStat prints a stat as zkCli's StatPrinter does.
func writeStat(w io.Writer, st proto.Stat) {
	fmt.Fprintf(w, "cZxid = %s\nctime = %s\nmZxid = %s\nmtime = %s\npZxid = %s\n"+
		"cversion = %d\ndataVersion = %d\naclVersion = %d\nephemeralOwner = %s\n"+
		"dataLength = %d\nnumChildren = %d\n",
		hex(st.Czxid), time.UnixMilli(st.Ctime).Format(javaDate),
		hex(st.Mzxid), time.UnixMilli(st.Mtime).Format(javaDate), hex(st.Pzxid),
		st.Cversion, st.Version, st.Aversion, hex(st.EphemeralOwner),
		st.DataLength, st.NumChildren)
}

// javaList is List.toString: "[a, b]".
func javaList(items []string) string { return "[" + strings.Join(items, ", ") + "]" }

// permString is ZKUtil.getPermString: the permission letters in the order
// c, d, r, w, a.
func permString(perms int32) string {
	var b strings.Builder
	for _, p := range []struct {
		bit    int32
		letter byte
	}{{proto.PermCreate, 'c'}, {proto.PermDelete, 'd'}, {proto.PermRead, 'r'}, {proto.PermWrite, 'w'}, {proto.PermAdmin, 'a'}} {
		if perms&p.bit != 0 {
			b.WriteByte(p.letter)
		}
	}
	return b.String()
}

// aclLine is how getAcl prints an entry: the Id record's toString (which
// ends in a newline) then ": " and the permissions.
func aclLine(a proto.ACL) string {
	return txnfmt.Quote(a.ID.Scheme) + "," + txnfmt.Quote(a.ID.ID) + "\n: " + permString(a.Perms)
}

var stateNames = map[proto.KeeperState]string{
	-1: "Unknown", proto.StateDisconnected: "Disconnected", 1: "NoSyncConnected",
	proto.StateSyncConnected: "SyncConnected", proto.StateAuthFailed: "AuthFailed",
	5: "ConnectedReadOnly", 6: "SaslAuthenticated", proto.StateExpired: "Expired", proto.StateClosed: "Closed",
}

var eventNames = map[proto.EventType]string{
	proto.EventNone: "None", proto.EventNodeCreated: "NodeCreated", proto.EventNodeDeleted: "NodeDeleted",
	proto.EventNodeDataChanged: "NodeDataChanged", proto.EventNodeChildrenChanged: "NodeChildrenChanged",
	proto.EventDataWatchRemoved: "DataWatchRemoved", proto.EventChildWatchRemoved: "ChildWatchRemoved",
	proto.EventPersistentWatchRemoved: "PersistentWatchRemoved",
}

// eventText is what zkCli prints for a watch event: its watcher's
// printMessage of "WATCHER::" and of WatchedEvent.toString (3.8's, without
// the zxid 3.9 adds), each after an empty line.
func eventText(ev proto.WatcherEvent) string {
	path := ev.Path
	if path == "" && ev.Type == proto.EventNone {
		path = "null"
	}
	state, ok := stateNames[ev.State]
	if !ok {
		state = strconv.Itoa(int(ev.State))
	}
	typ, ok := eventNames[ev.Type]
	if !ok {
		typ = strconv.Itoa(int(ev.Type))
	}
	return "\nWATCHER::\n\nWatchedEvent state:" + state + " type:" + typ + " path:" + path + "\n"
}

// dataString is the data as zkCli prints it: UTF-8 text, each invalid
// byte a U+FFFD as Java decodes it, "null" for none.
func dataString(data []byte) string {
	if data == nil {
		return "null"
	}
	return strings.Map(func(r rune) rune { return r }, string(data)) // Map turns each invalid byte into utf8.RuneError
}
