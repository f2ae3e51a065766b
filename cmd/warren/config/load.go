package config

import (
	_ "embed"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
)

//go:embed default.yaml
var defaultYAML []byte

// EnvPrefix starts every environment variable Load reads. A variable is the
// prefix and the key in upper case with dots as underscores:
// WARREN_SERVER_CLIENT_ADDR sets server.client_addr. Lists are comma
// separated (WARREN_AUTH_SCHEMES=digest,world); WARREN_STORAGE_OPTIONS_X sets
// option "x" of storage.options. Any other WARREN_* variable is an error.
const EnvPrefix = "WARREN_"

// Names of the flags Flags registers.
const (
	FlagConfig     = "config"
	FlagZooCfg     = "zoo-cfg"
	FlagClientAddr = "client-addr"
	FlagDataDir    = "data-dir"
	FlagDataLogDir = "data-log-dir"
	FlagLogLevel   = "log-level"
	FlagLogFormat  = "log-format"
)

// flagKeys maps the override flags to the keys they set.
var flagKeys = map[string]string{
	FlagClientAddr: "server.client_addr",
	FlagDataDir:    "server.data_dir",
	FlagDataLogDir: "server.data_log_dir",
	FlagLogLevel:   "log.level",
	FlagLogFormat:  "log.format",
}

// Flags registers the configuration flags on fs: --config and --zoo-cfg name
// the files to load, the others override single keys. A flag only overrides
// when given on the command line, so its empty default never masks a file.
func Flags(fs *pflag.FlagSet) {
	fs.String(FlagConfig, "", "Warren YAML config `file`")
	fs.String(FlagZooCfg, "", "Apache ZooKeeper zoo.cfg `file` to read settings from (overridden by --config)")
	fs.String(FlagClientAddr, "", "client `host:port` (server.client_addr, default \":2181\")")
	fs.String(FlagDataDir, "", "snapshot and log `dir`ectory (server.data_dir, default \"./warren-data\")")
	fs.String(FlagDataLogDir, "", "txn log `dir`ectory if not the data dir (server.data_log_dir)")
	fs.String(FlagLogLevel, "", "log `level`: debug, info, warn, error (log.level, default info)")
	fs.String(FlagLogFormat, "", "log `format`: text or json (log.format, default text)")
}

// Sources names where a configuration comes from; zero fields are skipped.
type Sources struct {
	// ZooCfg is the path of an Apache ZooKeeper zoo.cfg.
	ZooCfg string
	// YAML is the path of a Warren YAML file.
	YAML string
	// Env holds "KEY=value" entries, as os.Environ returns them.
	Env []string
	// Flags is a parsed flag set on which Flags registered its flags; other
	// flags on it are left alone.
	Flags *pflag.FlagSet
}

// SourcesFromFlags returns the sources named by --config and --zoo-cfg on
// fs, with env and fs itself.
func SourcesFromFlags(fs *pflag.FlagSet, env []string) Sources {
	s := Sources{Env: env, Flags: fs}
	if f := fs.Lookup(FlagConfig); f != nil {
		s.YAML = f.Value.String()
	}
	if f := fs.Lookup(FlagZooCfg); f != nil {
		s.ZooCfg = f.Value.String()
	}
	return s
}

// Load builds a Config from the embedded defaults, then the YAML file at
// yamlPath (if not ""), then the WARREN_* entries of env, then the flags of
// flags (may be nil) set on the command line, and validates it. Unknown keys
// are errors naming the key and its source. To read a zoo.cfg as well, use
// Sources.Load.
func Load(yamlPath string, env []string, flags *pflag.FlagSet) (Config, error) {
	cfg, _, err := Sources{YAML: yamlPath, Env: env, Flags: flags}.Load()
	return cfg, err
}

// Load builds a Config from s in the package's order of precedence (defaults
// < zoo.cfg < YAML < environment < flags) and validates it. ignored lists the
// zoo.cfg keys Warren does not use, for the caller to log once each.
func (s Sources) Load() (cfg Config, ignored []string, err error) {
	k := mustDefaults()
	if s.ZooCfg != "" {
		base, err := decode(k)
		if err != nil {
			return Config{}, nil, err
		}
		zcfg, zignored, err := LoadZooCfg(s.ZooCfg, base)
		if err != nil {
			return Config{}, nil, err
		}
		ignored = zignored
		k = koanf.New(".")
		if err := k.Load(configLayer(zcfg), nil); err != nil {
			return Config{}, nil, fmt.Errorf("config: %s: %w", s.ZooCfg, err)
		}
	}
	if s.YAML != "" {
		if err := merge(k, s.YAML, file.Provider(s.YAML), yaml.Parser()); err != nil {
			return Config{}, nil, err
		}
	}
	if len(s.Env) > 0 {
		if err := mergeEnv(k, s.Env); err != nil {
			return Config{}, nil, err
		}
	}
	if s.Flags != nil {
		if err := mergeFlags(k, s.Flags); err != nil {
			return Config{}, nil, err
		}
	}
	if cfg, err = decode(k); err != nil {
		return Config{}, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, nil, err
	}
	return cfg, ignored, nil
}

// mustDefaults returns a koanf holding default.yaml.
func mustDefaults() *koanf.Koanf {
	k := koanf.New(".")
	if err := k.Load(rawbytes.Provider(defaultYAML), yaml.Parser()); err != nil {
		panic("config: embedded default.yaml: " + err.Error())
	}
	return k
}

// merge loads one source into its own koanf, refuses unknown keys, and
// merges it into k, checking that the result still decodes so that a type
// error names the source.
func merge(k *koanf.Koanf, source string, p koanf.Provider, parser koanf.Parser) error {
	layer := koanf.New(".")
	if err := layer.Load(p, parser); err != nil {
		return fmt.Errorf("config: read %s: %w", source, err)
	}
	if err := checkKeys(layer.Keys(), source); err != nil {
		return err
	}
	// An empty section ("server:" with every key commented out) is YAML null;
	// merged as is, it would wipe the defaults of the whole section.
	ks := knownKeys()
	for _, key := range layer.Keys() {
		if ks.sections[key] && layer.Get(key) == nil {
			layer.Delete(key)
		}
	}
	if err := k.Merge(layer); err != nil {
		return fmt.Errorf("config: merge %s: %w", source, err)
	}
	if _, err := decode(k); err != nil {
		return fmt.Errorf("%w (from %s)", err, source)
	}
	return nil
}

// mergeEnv merges the WARREN_* entries of environ into k.
func mergeEnv(k *koanf.Koanf, environ []string) error {
	var errs []error
	transform := func(name, value string) (string, any) {
		key, v, err := envKey(name, value)
		if err != nil {
			errs = append(errs, err)
			return "", nil
		}
		return key, v
	}
	p := env.Provider(".", env.Opt{
		Prefix:        EnvPrefix,
		TransformFunc: transform,
		EnvironFunc:   func() []string { return environ },
	})
	layer := koanf.New(".")
	if err := layer.Load(p, nil); err != nil {
		return fmt.Errorf("config: read environment: %w", err)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if err := k.Merge(layer); err != nil {
		return fmt.Errorf("config: merge environment: %w", err)
	}
	if _, err := decode(k); err != nil {
		return fmt.Errorf("%w (from the environment)", err)
	}
	return nil
}

// envKey maps one WARREN_* variable to its key and value.
func envKey(name, value string) (string, any, error) {
	ks := knownKeys()
	if key, ok := ks.byEnv[name]; ok {
		switch ks.kinds[key] {
		case kindStrings:
			return key, splitList(value), nil
		case kindStructs:
			return "", nil, fmt.Errorf("config: environment variable %s: %s cannot be set from the environment; use the YAML file", name, key)
		}
		return key, value, nil
	}
	for _, open := range ks.open {
		prefix := envName(open) + "_"
		if opt, ok := strings.CutPrefix(name, prefix); ok && opt != "" {
			return open + "." + strings.ToLower(opt), value, nil
		}
	}
	return "", nil, fmt.Errorf("config: unknown environment variable %s%s", name, didYouMean(suggest(name, ks, envName)))
}

// envName is the environment variable for key.
func envName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// splitList splits a comma-separated list, trimming spaces and dropping
// empty items.
func splitList(s string) []string {
	out := []string{}
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// mergeFlags merges the override flags set on the command line into k.
func mergeFlags(k *koanf.Koanf, fs *pflag.FlagSet) error {
	p := posflag.ProviderWithFlag(fs, ".", k, func(f *pflag.Flag) (string, any) {
		key, ok := flagKeys[f.Name]
		if !ok || !f.Changed {
			return "", nil
		}
		return key, posflag.FlagVal(fs, f)
	})
	layer := koanf.New(".")
	if err := layer.Load(p, nil); err != nil {
		return fmt.Errorf("config: read flags: %w", err)
	}
	if err := k.Merge(layer); err != nil {
		return fmt.Errorf("config: merge flags: %w", err)
	}
	if _, err := decode(k); err != nil {
		return fmt.Errorf("%w (from flags)", err)
	}
	return nil
}

// decode unmarshals k into a Config, refusing keys the struct does not have
// (which catches unknown keys inside list items) and durations without units.
func decode(k *koanf.Koanf) (Config, error) {
	var cfg Config
	err := k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{
		Tag: "koanf",
		DecoderConfig: &mapstructure.DecoderConfig{
			DecodeHook: mapstructure.ComposeDecodeHookFunc(
				durationHook,
				mapstructure.StringToSliceHookFunc(","),
			),
			WeaklyTypedInput: true,
			ErrorUnused:      true,
			Result:           &cfg,
		},
	})
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

var durationType = reflect.TypeFor[time.Duration]()

// durationHook parses "2s"-style strings into durations and refuses bare
// numbers other than 0, which would silently mean nanoseconds.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != durationType || from == durationType {
		return data, nil
	}
	switch from.Kind() {
	case reflect.String:
		s := data.(string)
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration (use a unit, e.g. \"2s\", \"500ms\")", s)
		}
		return d, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		if reflect.ValueOf(data).IsZero() {
			return time.Duration(0), nil
		}
		return nil, fmt.Errorf("%v is not a duration (use a unit, e.g. \"2s\", \"500ms\")", data)
	}
	return data, nil
}

// Kinds of key, as far as sources other than YAML care.
const (
	kindScalar  = iota
	kindStrings // []string: comma-separated in the environment
	kindStructs // []struct: YAML only
)

// keySet describes every key of Config, derived from its koanf tags.
type keySet struct {
	kinds    map[string]int    // leaf key -> kind
	sections map[string]bool   // keys of nested structs ("server.autopurge")
	open     []string          // map-valued keys: any sub-key is allowed
	byEnv    map[string]string // environment variable -> leaf key
	sorted   []string          // leaf keys, sorted
}

// knownKeys returns the key set of Config (computed once).
var knownKeys = sync.OnceValue(func() keySet {
	ks := keySet{kinds: map[string]int{}, sections: map[string]bool{}, byEnv: map[string]string{}}
	ks.walk(reflect.TypeFor[Config](), "")
	for key := range ks.kinds {
		ks.byEnv[envName(key)] = key
		ks.sorted = append(ks.sorted, key)
	}
	sort.Strings(ks.sorted)
	sort.Strings(ks.open)
	return ks
})

func (ks *keySet) walk(t reflect.Type, prefix string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("koanf")
		if tag == "" || tag == "-" {
			continue
		}
		key := prefix + tag
		switch ft := f.Type; {
		case ft == durationType:
			ks.kinds[key] = kindScalar
		case ft.Kind() == reflect.Struct:
			ks.sections[key] = true
			ks.walk(ft, key+".")
		case ft.Kind() == reflect.Map:
			ks.open = append(ks.open, key)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			ks.kinds[key] = kindStructs
		case ft.Kind() == reflect.Slice:
			ks.kinds[key] = kindStrings
		default:
			ks.kinds[key] = kindScalar
		}
	}
}

// known reports whether key may appear in a source.
func (ks keySet) known(key string) bool {
	if _, ok := ks.kinds[key]; ok || ks.sections[key] {
		return true
	}
	for _, open := range ks.open {
		if key == open || strings.HasPrefix(key, open+".") {
			return true
		}
	}
	return false
}

// checkKeys returns an error for each key of a source that Config lacks.
func checkKeys(keys []string, source string) error {
	ks := knownKeys()
	var errs []error
	for _, key := range keys {
		if ks.known(key) {
			continue
		}
		hint := ""
		if near := suggest(key, ks, func(k string) string { return k }); near != "" {
			hint = didYouMean(strconv.Quote(near))
		}
		errs = append(errs, fmt.Errorf("config: unknown config key %q in %s%s", key, source, hint))
	}
	return errors.Join(errs...)
}

// suggest returns the known key whose spelling, as spell gives it (the key
// itself, or its environment variable), is nearest to got, spelled that way,
// or "" if none is close enough to be a typo.
func suggest(got string, ks keySet, spell func(string) string) string {
	best, bestDist := "", 3
	for _, known := range ks.sorted {
		if d := editDistance(got, spell(known)); d < bestDist {
			best, bestDist = spell(known), d
		}
	}
	return best
}

// didYouMean formats a suggestion for an error message.
func didYouMean(s string) string {
	if s == "" {
		return ""
	}
	return " (did you mean " + s + "?)"
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// configLayer returns c as a koanf provider, so that a Config built in Go
// (from a zoo.cfg) can be a layer under the YAML, environment and flags.
func configLayer(c Config) koanf.Provider {
	// No delimiter: the map is already nested, and option names may hold dots.
	return confmap.Provider(toMap(reflect.ValueOf(c)), "")
}

// toMap turns a Config (or a part of it) into the nested map koanf holds,
// keyed by koanf tags, so that a Config built in Go can be a layer.
func toMap(v reflect.Value) map[string]any {
	m := make(map[string]any)
	t := v.Type()
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("koanf")
		if tag == "" || tag == "-" {
			continue
		}
		m[tag] = toValue(v.Field(i))
	}
	return m
}

func toValue(f reflect.Value) any {
	switch {
	case f.Type() == durationType:
		return f.Interface()
	case f.Kind() == reflect.Struct:
		return toMap(f)
	case f.Kind() == reflect.Slice:
		items := make([]any, f.Len())
		for i := range items {
			items[i] = toValue(f.Index(i))
		}
		return items
	case f.Kind() == reflect.Map:
		m := make(map[string]any, f.Len())
		iter := f.MapRange()
		for iter.Next() {
			m[fmt.Sprint(iter.Key().Interface())] = toValue(iter.Value())
		}
		return m
	case f.Kind() == reflect.Interface:
		if f.IsNil() {
			return nil
		}
		return toValue(f.Elem())
	}
	return f.Interface()
}
