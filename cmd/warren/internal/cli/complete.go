package cli

import (
	"context"
	"slices"
	"strings"
	"time"
)

// completer completes the word before the cursor: a command name as the
// first word, else a znode path (a word starting with '/') from the
// children of the parent it names, fetched from the server as zkCli's
// JLineZNodeCompleter does. It runs on readline's goroutine.
type completer struct{ s *Shell }

// Do returns the candidates' remainders after the word typed so far and
// that word's length in runes, as readline.AutoCompleter asks.
func (c completer) Do(line []rune, pos int) ([][]rune, int) {
	head := string(line[:pos])
	start := strings.LastIndexAny(head, " \t") + 1
	word := head[start:]
	if strings.TrimSpace(head[:start]) == "" {
		var names []string
		for _, cmd := range commandList {
			names = append(names, cmd.name+" ")
		}
		return remainders(names, word), len([]rune(word))
	}
	if !strings.HasPrefix(word, "/") {
		return nil, 0
	}
	i := strings.LastIndexByte(word, '/')
	dir, prefix := word[:i], word[i+1:]
	if dir == "" {
		dir = "/"
	}
	return remainders(c.s.children(dir), prefix), len([]rune(prefix))
}

// remainders returns what follows prefix in each of names that has it.
func remainders(names []string, prefix string) [][]rune {
	var out [][]rune
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, []rune(n[len(prefix):]))
		}
	}
	return out
}

// children lists path's children, sorted, or nothing if it cannot.
func (s *Shell) children(path string) []string {
	if validatePath(path) != nil {
		return nil
	}
	c, err := s.sess.Conn()
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), min(s.sess.timeout, 5*time.Second))
	defer cancel()
	kids, err := c.Children(ctx, path)
	if err != nil {
		return nil
	}
	slices.Sort(kids)
	return kids
}
