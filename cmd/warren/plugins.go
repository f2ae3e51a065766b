package main

// The plugins built into this binary register themselves by name; config
// chooses among them. Third-party auth schemes run as separate processes.
import (
	_ "github.com/warrenzk/warren/storage/badger"
	_ "github.com/warrenzk/warren/storage/memory"
	_ "github.com/warrenzk/warren/storage/wal"
	_ "github.com/warrenzk/warren/transport/tcp"
)
