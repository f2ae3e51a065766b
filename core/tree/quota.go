package tree

import (
	"sort"
	"strconv"
	"strings"
)

// Quotas, as ZooKeeper keeps them: a quota on path P is the pair of nodes
// /zookeeper/quota/P/zookeeper_limits (set by the client) and
// /zookeeper/quota/P/zookeeper_stats, whose data the tree itself rewrites
// ("count=N,bytes=M") whenever a node under P is created, deleted or has its
// data changed. The rewrite changes neither the stats node's stat nor the
// approximate data size, and fires no watch, exactly as DataTree.updateQuotaStat.

const (
	quotaLimitNode = "zookeeper_limits"
	quotaStatNode  = "zookeeper_stats"
)

// quotaTarget is Quotas.trimQuotaPath for a node under /zookeeper/quota:
// the path the quota applies to, or "" if quotaParent is not below it.
func quotaTarget(quotaParent string) string {
	if !strings.HasPrefix(quotaParent, QuotaPath) {
		return ""
	}
	p := quotaParent[len(QuotaPath):]
	if !strings.HasPrefix(p, "/") {
		return "" // /zookeeper/quota itself, or a sibling like /zookeeper/quotaX
	}
	return p
}

// quotaCreated updates quota state after path (of dataLen bytes) was created.
func (t *Tree) quotaCreated(parentPath, name, path string, dataLen int64) {
	if target := quotaTarget(parentPath); target != "" {
		switch name {
		case quotaLimitNode:
			t.quotas[target] = struct{}{}
		case quotaStatNode:
			t.recountQuota(target)
		}
	}
	t.quotaAccount(path, dataLen, 1)
}

// quotaDeleted updates quota state after path (of dataLen bytes) was deleted.
func (t *Tree) quotaDeleted(parentPath, name, path string, dataLen int64) {
	if name == quotaLimitNode {
		if target := quotaTarget(parentPath); target != "" {
			delete(t.quotas, target)
		}
	}
	t.quotaAccount(path, -dataLen, -1)
}

// quotaAccount adds to the stats of the deepest quota covering path
// (DataTree.getMaxPrefixWithQuota; a quota on "/" is ignored, as there).
func (t *Tree) quotaAccount(path string, bytesDiff, countDiff int64) {
	if len(t.quotas) == 0 {
		return
	}
	for p := path; p != RootPath && p != ""; p = Parent(p) {
		if _, ok := t.quotas[p]; ok {
			t.updateQuotaStat(p, bytesDiff, countDiff)
			return
		}
	}
}

func (t *Tree) updateQuotaStat(target string, bytesDiff, countDiff int64) {
	id := t.lookup(QuotaPath + target + "/" + quotaStatNode)
	if id == 0 {
		return // ZooKeeper logs "Missing node for stat" and goes on
	}
	s := parseStatsTrack(t.s.data(t.s.at(id)))
	s.set("count", s.get("count")+countDiff)
	s.set("bytes", s.get("bytes")+bytesDiff)
	t.preserve(id)
	t.s.setData(id, s.bytes())
}

// recountQuota is DataTree.updateQuotaForPath: it recomputes the node count
// and data bytes of the subtree at target into its stats node.
func (t *Tree) recountQuota(target string) {
	var count, size int64
	if root := t.lookup(target); root != 0 {
		t.walk(root, func(id nodeID) {
			count++
			size += int64(t.s.dataLen(t.s.at(id)))
		})
	}
	id := t.lookup(QuotaPath + target + "/" + quotaStatNode)
	if id == 0 {
		return
	}
	var s statsTrack
	s.set("count", count)
	s.set("bytes", size)
	t.preserve(id)
	t.s.setData(id, s.bytes())
}

// setupQuotas is DataTree.setupQuota, run after loading a snapshot: every
// leaf under /zookeeper/quota named zookeeper_limits marks a quota, whose
// stats are recounted.
func (t *Tree) setupQuotas() {
	quota := t.lookup(QuotaPath)
	if quota == 0 {
		return
	}
	const suffix = "/" + quotaLimitNode
	type item struct {
		path string
		id   nodeID
	}
	stack := []item{{QuotaPath, quota}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		p := it.path
		stack = stack[:len(stack)-1]
		l := t.s.kidsOf(t.s.at(it.id))
		if l == nil {
			if strings.HasSuffix(p, suffix) {
				target := p[len(QuotaPath):strings.Index(p, suffix)]
				if target != "" {
					t.recountQuota(target)
					t.quotas[target] = struct{}{}
				}
			}
			continue
		}
		for _, blk := range l.blocks {
			for _, c := range blk {
				stack = append(stack, item{childPath(p, t.s.name(t.s.at(c))), c})
			}
		}
	}
}

func childPath(parent, name string) string {
	if parent == RootPath {
		return "/" + name
	}
	return parent + "/" + name
}

// statsTrack is ZooKeeper's StatsTrack: "key=value" pairs separated by ","
// or ";". Missing values read as -1.
type statsTrack struct {
	keys []string
	vals map[string]int64
}

func parseStatsTrack(b []byte) statsTrack {
	var s statsTrack
	for _, pair := range strings.FieldsFunc(string(b), func(r rune) bool { return r == ',' || r == ';' }) {
		kv := strings.Split(pair, "=")
		if len(kv) < 2 {
			continue // ZooKeeper would fail here; skip the malformed pair
		}
		v := int64(-1)
		if kv[1] != "" {
			x, err := strconv.ParseInt(kv[1], 10, 64)
			if err != nil {
				continue
			}
			v = x
		}
		s.set(kv[0], v)
	}
	return s
}

func (s *statsTrack) get(k string) int64 {
	if v, ok := s.vals[k]; ok {
		return v
	}
	return -1
}

func (s *statsTrack) set(k string, v int64) {
	if s.vals == nil {
		s.vals = make(map[string]int64)
	}
	if _, ok := s.vals[k]; !ok {
		s.keys = append(s.keys, k)
	}
	s.vals[k] = v
}

// bytes formats as StatsTrack.toString: count and bytes first, then the other
// keys sorted after a spurious "=" that old parsers need.
func (s *statsTrack) bytes() []byte {
	var b strings.Builder
	b.WriteString("count=")
	b.WriteString(strconv.FormatInt(s.get("count"), 10))
	b.WriteString(",bytes=")
	b.WriteString(strconv.FormatInt(s.get("bytes"), 10))
	var rest []string
	for _, k := range s.keys {
		if k != "count" && k != "bytes" {
			rest = append(rest, k)
		}
	}
	if len(rest) > 0 {
		sort.Strings(rest)
		b.WriteString("=")
		for _, k := range rest {
			b.WriteString(";")
			b.WriteString(k)
			b.WriteString("=")
			b.WriteString(strconv.FormatInt(s.vals[k], 10))
		}
	}
	return []byte(b.String())
}
