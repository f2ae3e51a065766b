package cli

import (
	"fmt"
	"regexp"
	"strings"
)

// argRE is how zkCli splits a line into words: a word not starting with a
// quote runs to the next space; a quoted word runs to its closing quote
// (spaces included). What matches neither, such as an unclosed quote, is
// skipped.
var argRE = regexp.MustCompile(`\s*([^"']\S*|"[^"]*"|'[^']*')\s*`)

// splitLine breaks a typed line into the command and its arguments, with
// the quotes around a quoted word taken off.
func splitLine(line string) []string {
	var words []string
	for _, m := range argRE.FindAllStringSubmatch(line, -1) {
		w := m[1]
		if len(w) >= 2 && (w[0] == '"' || w[0] == '\'') && w[len(w)-1] == w[0] {
			w = w[1 : len(w)-1]
		}
		words = append(words, w)
	}
	return words
}

// flags is what the options of one command look like, in the form
// commons-cli's DefaultParser reads them (zkCli's parser): single letters,
// a name followed by ':' taking a value ("sv:R" is -s, -v VALUE and -R).
// A name of several letters is written in parentheses ("(file):" is -file
// VALUE; zkCli's reconfig has these), and the options between '[' and ']'
// are an OptionGroup: one of them at most may be given.
type flags string

// option is one option of a flags string.
type option struct {
	name       string
	takesValue bool
	grouped    bool
}

// options lists the options of f.
func (f flags) options() []option {
	var opts []option
	grouped := false
	for i := 0; i < len(f); i++ {
		var o option
		switch f[i] {
		case '[':
			grouped = true
			continue
		case ']':
			grouped = false
			continue
		case '(':
			end := strings.IndexByte(string(f[i:]), ')')
			o.name, i = string(f[i+1:i+end]), i+end
		default:
			o.name = string(f[i])
		}
		if i+1 < len(f) && f[i+1] == ':' {
			o.takesValue, i = true, i+1
		}
		o.grouped = grouped
		opts = append(opts, o)
	}
	return opts
}

// known returns the option called name.
func (f flags) known(name string) (option, bool) {
	for _, o := range f.options() {
		if o.name == name {
			return o, true
		}
	}
	return option{}, false
}

// parsed is a command line after option parsing: args[0] is the command.
type parsed struct {
	words    []string // as typed, for the commands that re-read them
	args     []string
	opts     map[string]string // a flag given without a value maps to ""
	selected string            // the option of the group given, if any
}

func (p *parsed) has(c byte) bool { _, ok := p.opts[string(c)]; return ok }

// value is the value given to option name, and whether it was given.
func (p *parsed) value(name string) (string, bool) { v, ok := p.opts[name]; return v, ok }

// parseArgs sorts words (the command first) into options and arguments as
// DefaultParser does: options may come anywhere, "--" ends them, a value
// may be joined to its flag (-v3, -v=3) and flags without values may be
// joined together (-sw). Errors carry commons-cli's exception text, which
// zkCli prints as it is.
func parseArgs(words []string, f flags) (*parsed, error) {
	p := &parsed{opts: map[string]string{}}
	var pending string // an option waiting for its value
	noMore := false
	for _, w := range words {
		switch {
		case pending != "":
			if strings.HasPrefix(w, "-") && len(w) > 1 && !isNumber(w) {
				return nil, missingValue(pending)
			}
			p.record(pending, w)
			pending = ""
		case noMore || w == "-" || !strings.HasPrefix(w, "-"):
			p.args = append(p.args, w)
		case w == "--":
			noMore = true
		default:
			var err error
			if pending, err = p.flag(w, f); err != nil {
				return nil, err
			}
		}
	}
	if pending != "" {
		return nil, missingValue(pending)
	}
	return p, nil
}

// flag records the options of the word w ("-s", "-sw", "-v3", "-v=3",
// "-file") and returns the option still waiting for a value, if any.
func (p *parsed) flag(w string, f flags) (string, error) {
	if o, ok := f.known(w[1:]); ok && len(w) > 2 { // a name of several letters
		return p.set(o, "")
	}
	for i := 1; i < len(w); i++ {
		o, ok := f.known(w[i : i+1])
		if !ok {
			return "", &cliError{msg: "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: " + w}
		}
		if o.takesValue {
			if rest := strings.TrimPrefix(w[i+1:], "="); rest != "" {
				_, err := p.set(o, rest)
				return "", err
			}
			return p.set(o, "")
		}
		if _, err := p.set(o, ""); err != nil {
			return "", err
		}
	}
	return "", nil
}

// set records option o, with value v if it takes one and v is not "" (else
// it returns o's name, to wait for the value), as commons-cli: an option of
// a group where another was given is refused.
func (p *parsed) set(o option, v string) (string, error) {
	if o.grouped {
		if p.selected != "" && p.selected != o.name {
			return "", &cliError{msg: fmt.Sprintf("org.apache.commons.cli.AlreadySelectedException: The option '%s' was specified but an option from this group has already been selected: '%s'", o.name, p.selected)}
		}
		p.selected = o.name
	}
	if o.takesValue && v == "" {
		return o.name, nil
	}
	p.record(o.name, v)
	return "", nil
}

// record keeps the value of an option; commons-cli reads the first value of
// an option given twice.
func (p *parsed) record(name, v string) {
	if _, seen := p.opts[name]; !seen {
		p.opts[name] = v
	}
}

func missingValue(name string) error {
	return &cliError{msg: "org.apache.commons.cli.MissingArgumentException: Missing argument for option: " + name}
}

// isNumber reports whether w is a number, which commons-cli takes as an
// option's value even when it starts with '-'.
func isNumber(w string) bool {
	digits := false
	for i := 1; i < len(w); i++ {
		switch c := w[i]; {
		case c >= '0' && c <= '9':
			digits = true
		case c == '.':
		default:
			return false
		}
	}
	return digits
}
