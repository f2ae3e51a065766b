// Command warren runs a Warren node and its tools.
//
//	warren server [--config FILE.yaml | --zoo-cfg zoo.cfg] [--client-addr HOST:PORT] [--data-dir DIR] ...
//	warren log dump DIR|FILE
//	warren snapshot dump [-d] FILE
//	warren import --zookeeper-data DIR [--data-dir DIR --backend wal|badger | --config FILE.yaml]
//	warren bench create|set|get|exists|mixed|load [--addrs A,B] [-c CONNS] [-n IN_FLIGHT] [--json] ...
//	warren cli [-server HOST:PORT,...] [-timeout MS] [-r] [CMD ARGS...]
//	warren version
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

const usage = `usage: warren <command> [flags]

commands:
  server         run a node (with no flags: client port 2181, data under ./warren-data)
  log dump       print the txns of a Warren or ZooKeeper log, as ZooKeeper's TxnLogToolkit
  snapshot dump  print the znodes of a snapshot, as ZooKeeper's SnapshotFormatter
  import         load an Apache ZooKeeper data dir into a Warren store
  bench          load any ZooKeeper-compatible servers; throughput and latency
  cli            a shell for any ZooKeeper-compatible server, as zkCli.sh
  version        print the version

Run "warren <command> --help" for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "server":
		err = runServer(args)
	case "log":
		err = runLog(args)
	case "snapshot":
		err = runSnapshot(args)
	case "import":
		err = runImport(args)
	case "bench":
		err = runBench(args)
	case "cli":
		err = runCli(args)
	case "version", "--version":
		fmt.Println("warren", version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "warren: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "warren:", err)
		os.Exit(1)
	}
}
