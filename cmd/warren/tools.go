package main

// The offline tools: "warren log dump", "warren snapshot dump" and
// "warren import". The dumps print as Apache ZooKeeper's TxnLogToolkit and
// SnapshotFormatter do (core/txnfmt); import turns a ZooKeeper data dir into
// a Warren store holding one snapshot (storage/zkdata, core/snapshot).

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/warrenzk/warren/cmd/warren/config"
	"github.com/warrenzk/warren/core/snapshot"
	"github.com/warrenzk/warren/core/tree"
	"github.com/warrenzk/warren/core/txnfmt"
	"github.com/warrenzk/warren/storage"
	"github.com/warrenzk/warren/storage/wal"
	"github.com/warrenzk/warren/storage/zkdata"
)

// runLog runs "warren log <subcommand>".
func runLog(args []string) error {
	if len(args) == 0 || args[0] != "dump" {
		return errors.New(`usage: warren log dump DIR|FILE, or warren log dump --backend NAME --data-dir DIR`)
	}
	return runLogDump(args[1:])
}

// runSnapshot runs "warren snapshot <subcommand>".
func runSnapshot(args []string) error {
	if len(args) == 0 || args[0] != "dump" {
		return errors.New(`usage: warren snapshot dump [-d] FILE, or warren snapshot dump [-d] --backend NAME --data-dir DIR`)
	}
	return runSnapshotDump(args[1:])
}

// storeFlags are the flags that name a store to read through its backend.
type storeFlags struct {
	backend, dataDir, logDir string
}

func (s *storeFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&s.backend, "backend", "", "read the store of this storage `backend` (wal, badger) in --data-dir")
	fs.StringVar(&s.dataDir, "data-dir", "", "the store's data `dir`ectory (with --backend)")
	fs.StringVar(&s.logDir, "data-log-dir", "", "the store's log `dir`ectory, if not its data dir (with --backend)")
	fs.StringVar(&s.logDir, "log-dir", "", "same as --data-log-dir")
	fs.MarkHidden("log-dir")
}

func (s *storeFlags) open() (storage.Backend, error) {
	if s.dataDir == "" {
		return nil, errors.New("--backend needs --data-dir")
	}
	// Opening a backend creates its folders: not for a dump of a typo.
	if _, err := os.Stat(s.dataDir); err != nil {
		return nil, err
	}
	return storage.Default.Open(s.backend, storage.Config{DataDir: s.dataDir, LogDir: s.logDir})
}

// parseTool parses a tool's flags; help is not an error.
func parseTool(fs *pflag.FlagSet, args []string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return true, nil
		}
		return false, err
	}
	return false, nil
}

func runLogDump(args []string) error {
	fs := pflag.NewFlagSet("warren log dump", pflag.ContinueOnError)
	var store storeFlags
	store.register(fs)
	fs.Usage = func() {
		fmt.Fprint(os.Stderr, `usage: warren log dump DIR|FILE
       warren log dump --backend NAME --data-dir DIR [--data-log-dir DIR]

Prints every txn of a log, one line each, as ZooKeeper's TxnLogToolkit does.
DIR is a ZooKeeper dataDir or dataLogDir (or its version-2 folder), or a Warren
wal log directory; FILE is a ZooKeeper log.<zxid> file.

`)
		fs.PrintDefaults()
	}
	if help, err := parseTool(fs, args); help || err != nil {
		return err
	}
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	defer out.Flush()
	if store.backend != "" {
		if fs.NArg() != 0 {
			return fmt.Errorf("log dump: a path and --backend both given")
		}
		return dumpStoreLog(out, &store)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("log dump: want one DIR or FILE")
	}
	path := fs.Arg(0)
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return dumpZooKeeperLog(out, path)
	}
	vdir, zkErr := zkdata.VersionDir(path)
	if zkErr != nil {
		if !isWALDir(path) {
			return fmt.Errorf("log dump: %s is neither a ZooKeeper data dir (%v) nor a Warren wal log dir (no wal folder)", path, zkErr)
		}
		it, err := wal.ReadLogDir(path)
		if err != nil {
			return err
		}
		defer it.Close()
		return dumpEntries(out, it, func() string { return "" })
	}
	logs, err := zkdata.ListLogs(vdir)
	if err != nil {
		return err
	}
	if len(logs) == 0 {
		return fmt.Errorf("log dump: no ZooKeeper log files in %s", vdir)
	}
	for i, f := range logs {
		if i > 0 {
			fmt.Fprintln(out)
		}
		fmt.Fprintf(out, "==> %s <==\n", f.Path)
		if err := dumpZooKeeperLog(out, f.Path); err != nil {
			return err
		}
	}
	return nil
}

// isWALDir reports whether dir is a wal log folder or holds one, as the
// wal backend lays them out (<LogDir>/wal/log.<zxid>).
func isWALDir(dir string) bool {
	if filepath.Base(filepath.Clean(dir)) == "wal" {
		return true
	}
	st, err := os.Stat(filepath.Join(dir, "wal"))
	return err == nil && st.IsDir()
}

// dumpZooKeeperLog prints one ZooKeeper log file as TxnLogToolkit does.
func dumpZooKeeperLog(out *bufio.Writer, path string) error {
	l, err := zkdata.OpenLog(path)
	if err != nil {
		return err
	}
	defer l.Close()
	if h := l.Header(); h.Magic != 0 { // 0: an empty file, which has no header
		fmt.Fprintln(out, txnfmt.FileHeaderLine(h.DBID, h.Version))
	}
	err = dumpEntries(out, l, func() string { return fmt.Sprintf("%s offset %d", path, l.Offset()) })
	if torn := l.Torn(); torn != "" {
		out.Flush()
		fmt.Fprintf(os.Stderr, "warren: %s: torn tail, read as its end (as ZooKeeper does): %s\n", path, torn)
	}
	return err
}

// dumpStoreLog prints the log of a store opened through its backend.
func dumpStoreLog(out *bufio.Writer, store *storeFlags) error {
	b, err := store.open()
	if err != nil {
		return err
	}
	defer b.Close()
	it, err := b.Log().ReadFrom(0)
	if errors.Is(err, storage.ErrCompacted) {
		// The head of the log was purged after a snapshot: start after
		// the oldest snapshot still there.
		metas, lerr := b.Snapshots().List()
		if lerr != nil {
			return lerr
		}
		for i := len(metas) - 1; i >= 0 && errors.Is(err, storage.ErrCompacted); i-- {
			it, err = b.Log().ReadFrom(metas[i].Zxid + 1)
			if err == nil {
				fmt.Fprintf(os.Stderr, "warren: entries up to zxid %#x were purged after a snapshot\n", metas[i].Zxid)
			}
		}
	}
	if err != nil {
		return err
	}
	defer it.Close()
	return dumpEntries(out, it, func() string { return "" })
}

// dumpEntries prints each entry of it as a TxnLogToolkit line, then the EOF
// line. where names an entry's place for an error message.
func dumpEntries(out *bufio.Writer, it storage.Iterator, where func() string) error {
	n, bad := 0, 0
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		txn, err := zkdata.DecodeTxn(e.Data)
		if err != nil {
			bad++
			out.Flush()
			at := fmt.Sprintf("%#x", e.Zxid)
			if w := where(); w != "" {
				at += " (" + w + ")"
			}
			fmt.Fprintf(os.Stderr, "warren: txn at zxid %s does not decode: %v\n", at, err)
			continue
		}
		fmt.Fprintln(out, txnfmt.Line(&txn.Header, txn.Record, time.Local))
		n++
	}
	fmt.Fprintln(out, txnfmt.EOFLine(n))
	if err := it.Err(); err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d txns did not decode", bad)
	}
	return nil
}

func runSnapshotDump(args []string) error {
	fs := pflag.NewFlagSet("warren snapshot dump", pflag.ContinueOnError)
	data := fs.BoolP("data", "d", false, "print each znode's data in base64 instead of its length")
	var store storeFlags
	store.register(fs)
	fs.Usage = func() {
		fmt.Fprint(os.Stderr, `usage: warren snapshot dump [-d] FILE
       warren snapshot dump [-d] --backend NAME --data-dir DIR

Prints every znode of a snapshot with its stat, then its sessions, as
ZooKeeper's SnapshotFormatter does. FILE is a ZooKeeper snapshot.<zxid> file
(plain, .gz or .snappy) or a Warren wal snapshot file; with --backend the
store's newest snapshot is printed.

`)
		fs.PrintDefaults()
	}
	if help, err := parseTool(fs, args); help || err != nil {
		return err
	}
	opts := tree.Options{ExtendedTypes: true}
	var (
		snap *snapshot.Snapshot
		zxid int64
		err  error
	)
	switch {
	case store.backend != "" && fs.NArg() == 0:
		snap, zxid, err = readStoreSnapshot(&store, opts)
	case store.backend == "" && fs.NArg() == 1:
		snap, zxid, err = readSnapshotFile(fs.Arg(0), opts)
	default:
		fs.Usage()
		return errors.New("snapshot dump: want one FILE, or --backend and --data-dir")
	}
	if err != nil {
		return err
	}
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	defer out.Flush()
	return txnfmt.WriteTree(out, snap.Tree, snap.Sessions, txnfmt.TreeOptions{Data: *data, Location: time.Local, FileZxid: zxid})
}

// readSnapshotFile reads a Warren wal snapshot file or a ZooKeeper one. Both
// hold the same stream; a wal file adds a footer, which is checked first as
// it fails fast on a ZooKeeper file.
func readSnapshotFile(path string, opts tree.Options) (*snapshot.Snapshot, int64, error) {
	zxid, r, walErr := wal.OpenSnapshotFile(path)
	if walErr == nil {
		defer r.Close()
		s, err := snapshot.Read(r, opts)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		return s, zxid, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	s, err := snapshot.Read(f, opts)
	if err != nil {
		return nil, 0, fmt.Errorf("%s is neither a ZooKeeper snapshot (%v) nor a Warren one (%v)", path, err, walErr)
	}
	zxid, _ = zkdata.ZxidFromName(filepath.Base(path), "snapshot")
	return s, zxid, nil
}

// readStoreSnapshot reads the newest snapshot of a store.
func readStoreSnapshot(store *storeFlags, opts tree.Options) (*snapshot.Snapshot, int64, error) {
	b, err := store.open()
	if err != nil {
		return nil, 0, err
	}
	defer b.Close()
	meta, r, err := b.Snapshots().OpenNewest()
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	s, err := snapshot.Read(r, opts)
	if err != nil {
		return nil, 0, fmt.Errorf("snapshot %s: %w", meta.ID, err)
	}
	return s, meta.Zxid, nil
}

func runImport(args []string) error {
	fs := pflag.NewFlagSet("warren import", pflag.ContinueOnError)
	config.Flags(fs)
	zkData := fs.String("zookeeper-data", "", "ZooKeeper's dataDir (or its version-2 folder) to import")
	zkLogDir := fs.String("zookeeper-log-dir", "", "ZooKeeper's dataLogDir, if it is not its dataDir")
	backend := fs.String("backend", "", "storage `backend` to import into: wal or badger (default: storage.backend of the config)")
	force := fs.Bool("force", false, "import into a store that holds data: its log is emptied and its older snapshots purged")
	fs.Usage = func() {
		fmt.Fprint(os.Stderr, `usage: warren import --zookeeper-data DIR [--zookeeper-log-dir DIR]
                     [--config FILE.yaml | --data-dir DIR --backend wal|badger] [--force]

Loads an Apache ZooKeeper 3.x data dir as ZooKeeper would at start-up (the
newest valid snapshot, then the txn log after it) and writes it into a Warren
store as one snapshot, labelled with the last zxid, with the sessions still
open. Stop ZooKeeper first.

`)
		fs.PrintDefaults()
	}
	if help, err := parseTool(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("import: unexpected argument %q", fs.Arg(0))
	}
	if *zkData == "" {
		fs.Usage()
		return errors.New("import: --zookeeper-data is required")
	}
	cfg, _, err := config.SourcesFromFlags(fs, os.Environ()).Load()
	if err != nil {
		return err
	}
	if *backend != "" {
		cfg.Storage.Backend = *backend
	}
	if cfg.Storage.Backend == "memory" {
		return errors.New(`import: the "memory" backend keeps nothing once warren exits; give --backend wal or badger`)
	}
	logger, err := newLogger(cfg.Log)
	if err != nil {
		return err
	}
	snapDir, err := zkdata.VersionDir(*zkData)
	if err != nil {
		return err
	}
	logDir := snapDir
	if *zkLogDir != "" {
		if logDir, err = zkdata.VersionDir(*zkLogDir); err != nil {
			return err
		}
	}

	start := time.Now()
	b, err := storage.Default.Open(cfg.Storage.Backend, storage.Config{
		DataDir:      cfg.Server.DataDir,
		LogDir:       cfg.Server.LogDir(),
		NoSync:       !cfg.Server.ForceSync,
		PreAllocSize: cfg.Server.PreAllocSize,
		Options:      cfg.Storage.Options,
		Logger:       logger,
	})
	if err != nil {
		return err
	}
	defer b.Close()
	if err := checkEmptyStore(b, *force); err != nil {
		return err
	}

	var snapBar, txnBar *progress
	res, err := zkdata.Restore(snapDir, logDir, zkdata.RestoreOptions{
		Tree:   tree.Options{ExtendedTypes: cfg.Server.ExtendedTypesEnabled},
		Logger: logger,
		WrapSnapshot: func(r io.Reader, name string, size int64) io.Reader {
			snapBar.finish()
			snapBar = newProgress(logger, "reading "+name, size, true)
			return io.TeeReader(r, snapBar)
		},
		OnTxn: func(int64) {
			if txnBar == nil {
				snapBar.finish()
				txnBar = newProgress(logger, "replaying the log", -1, false)
			}
			txnBar.add(1)
		},
	})
	snapBar.finish()
	txnBar.finish()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	zxid := res.Tree.LastZxid()
	if *force {
		if err := clearStore(b, zxid); err != nil {
			return err
		}
	}
	if err := writeImport(b, res, zxid, logger); err != nil {
		return err
	}
	if *force {
		if err := b.Snapshots().Purge(1); err != nil {
			return fmt.Errorf("import: purge the older snapshots: %w", err)
		}
	}
	if err := b.Close(); err != nil {
		return fmt.Errorf("import: close the store: %w", err)
	}
	printImportSummary(os.Stdout, res, cfg, zxid, time.Since(start))
	return nil
}

// checkEmptyStore refuses a store that already holds a snapshot or log
// entries, unless force.
func checkEmptyStore(b storage.Backend, force bool) error {
	metas, err := b.Snapshots().List()
	if err != nil {
		return err
	}
	last := b.Log().LastZxid()
	if (len(metas) > 0 || last != 0) && !force {
		return fmt.Errorf("import: the store already holds data (%d snapshots, log up to zxid %#x): import into an empty data dir, or give --force to replace it", len(metas), last)
	}
	return nil
}

// clearStore makes room for an import at zxid in a store that holds data:
// the log is emptied, and a newer snapshot, which would win over the
// import's, is refused.
func clearStore(b storage.Backend, zxid int64) error {
	metas, err := b.Snapshots().List()
	if err != nil {
		return err
	}
	if len(metas) > 0 && metas[0].Zxid > zxid {
		return fmt.Errorf("import: the store holds a snapshot at zxid %#x, newer than the import's %#x, which a node would start from: import into an empty data dir", metas[0].Zxid, zxid)
	}
	if err := b.Log().TruncateAfter(0); err != nil {
		return fmt.Errorf("import: empty the store's log: %w (import into an empty data dir instead)", err)
	}
	return nil
}

// writeImport writes the restored tree and sessions as the store's snapshot.
func writeImport(b storage.Backend, res *zkdata.Restored, zxid int64, logger *slog.Logger) error {
	sink, err := b.Snapshots().Create(zxid)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer sink.Abort()
	view, err := res.Tree.BeginSnapshot()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer view.Close()
	bar := newProgress(logger, "writing the snapshot", -1, true)
	err = snapshot.Write(io.MultiWriter(sink, bar), res.Sessions, view)
	bar.finish()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := sink.Commit(); err != nil {
		return fmt.Errorf("import: commit the snapshot: %w", err)
	}
	return nil
}

func printImportSummary(w io.Writer, res *zkdata.Restored, cfg config.Config, zxid int64, took time.Duration) {
	fmt.Fprintf(w, "imported %s and %d txns after it into the %s store in %s\n",
		res.Snapshot.Path, res.Txns, cfg.Storage.Backend, cfg.Server.DataDir)
	fmt.Fprintf(w, "  znodes:    %d\n", res.Tree.NodeCount()-1) // NodeCount counts the root twice, as ZooKeeper
	fmt.Fprintf(w, "  sessions:  %d\n", len(res.Sessions))
	fmt.Fprintf(w, "  last zxid: %#x\n", zxid)
	fmt.Fprintf(w, "  time:      %s\n", took.Round(time.Millisecond))
	if res.Unfit > 0 {
		fmt.Fprintf(w, "  %d txns were already in the fuzzy snapshot and skipped, as ZooKeeper skips them\n", res.Unfit)
	}
	for _, s := range slices.Concat(res.Skipped, res.Torn) {
		fmt.Fprintf(w, "  note: %s\n", s)
	}
}

// progress shows how far a long step has got: a bar on stderr when stderr
// is a terminal, otherwise a log line every few seconds. A nil progress
// does nothing.
type progress struct {
	bar    *progressbar.ProgressBar
	logger *slog.Logger
	what   string
	bytes  bool
	n      int64
	total  int64
	next   time.Time // of the next log line
}

const progressLogEvery = 5 * time.Second

func newProgress(logger *slog.Logger, what string, total int64, bytes bool) *progress {
	p := &progress{logger: logger, what: what, bytes: bytes, total: total, next: time.Now().Add(progressLogEvery)}
	if term.IsTerminal(int(os.Stderr.Fd())) {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowBytes(bytes),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

func (p *progress) Write(b []byte) (int, error) {
	p.add(int64(len(b)))
	return len(b), nil
}

func (p *progress) add(n int64) {
	if p == nil {
		return
	}
	p.n += n
	if p.bar != nil {
		p.bar.Add64(n)
		return
	}
	if now := time.Now(); now.After(p.next) {
		p.next = now.Add(progressLogEvery)
		p.logger.Info("import: "+p.what, "done", p.amount(p.n), "of", p.amount(p.total))
	}
}

func (p *progress) amount(n int64) string {
	switch {
	case n < 0:
		return "?"
	case p.bytes:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprint(n)
}

func (p *progress) finish() {
	if p != nil && p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}
