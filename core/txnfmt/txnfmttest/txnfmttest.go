// Package txnfmttest compares txnfmt's output with what Apache ZooKeeper
// 3.8's own tools print for the same files, allowing for the differences
// that are not Warren's to remove: hash order in SnapshotFormatter, and the
// spellings of ZooKeeper 3.8's TxnLogToolkit that its current source
// changed.
package txnfmttest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// SortTree puts SnapshotFormatter's "----"-separated znode blocks in path
// order and its session lines in order: ZooKeeper prints both in hash order.
func SortTree(s string) string {
	head, rest, _ := strings.Cut(s, "\n----\n")
	nodes, tail, _ := strings.Cut(rest, "\n----\nSession Details")
	blocks := strings.Split(nodes, "\n----\n")
	slices.Sort(blocks)
	sessions, last, _ := strings.Cut(tail, "\n----\n")
	lines := strings.Split(sessions, "\n")
	slices.Sort(lines[1:])
	return head + "\n----\n" + strings.Join(blocks, "\n----\n") + "\n----\nSession Details" + strings.Join(lines, "\n") + "\n----\n" + last
}

// DiffTree returns "" if two SnapshotFormatter outputs are the same but for
// order, or else their first differing line.
func DiffTree(got, want string) string {
	g, w := strings.Split(SortTree(got), "\n"), strings.Split(SortTree(want), "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d (in sorted order):\n got %q\nwant %q", i+1, g[i], w[i])
		}
	}
	if len(g) != len(w) {
		return fmt.Sprintf("%d lines, want %d", len(g), len(w))
	}
	return ""
}

// txnStart matches the start of a txn in TxnLogToolkit's output, in UTC.
var txnStart = regexp.MustCompile(`(?m)^(\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2}:\d{2} [AP]M UTC |EOF reached)`)

// SplitTxns splits TxnLogToolkit's output into txns, which may span lines
// (an ACL list prints with a newline in it).
func SplitTxns(s string) []string {
	var out []string
	prev := 0
	for _, i := range txnStart.FindAllStringIndex(s, -1) {
		out = append(out, s[prev:i[0]])
		prev = i[0]
	}
	return append(out, s[prev:])
}

// FromZooKeeper38 turns ZooKeeper 3.8.0's spelling of a txn into that of
// ZooKeeper's current source, which Warren prints. Of a multi, whose
// sub-txns 3.8 prints as raw bytes, only the part before them is kept.
func FromZooKeeper38(txn string) string {
	txn = strings.Replace(txn, " createTtl ", " createTTL ", 1)
	txn = strings.Replace(txn, " delete '", " delete ", 1)
	if i := strings.Index(txn, " multi "); i >= 0 {
		return txn[:i+len(" multi ")]
	}
	return txn
}

// DiffLog returns "" if got, Warren's dump of a log file, says what want,
// ZooKeeper 3.8's TxnLogToolkit output for it, says; or else the first
// txn that differs.
func DiffLog(got, want string) string {
	g, w := SplitTxns(got), SplitTxns(want)
	if len(g) != len(w) {
		return fmt.Sprintf("%d txns, ZooKeeper printed %d", len(g), len(w))
	}
	for i := range g {
		wi := FromZooKeeper38(w[i])
		if strings.HasSuffix(wi, " multi ") && strings.HasPrefix(g[i], wi) {
			continue
		}
		if g[i] != wi {
			return fmt.Sprintf("txn %d:\n got %q\nwant %q", i, g[i], wi)
		}
	}
	return ""
}
