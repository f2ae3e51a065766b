package badger

import (
	"errors"
	"fmt"

	badgerdb "github.com/dgraph-io/badger/v4"
)

// change is one key to set, or to delete when del is true.
type change struct {
	key, val []byte
	del      bool
}

// writer applies changes to one DB in as few transactions as Badger
// accepts: it fills a transaction until Badger says it is too big, commits
// it, and starts the next. Transactions commit in order, and Badger replays
// only whole transactions after a crash, so a failure or a crash leaves a
// prefix of the changes applied.
type writer struct {
	db *badgerdb.DB
	// commitTxn, if set, replaces txn.Commit: tests use it to make a
	// commit fail, before or after it takes effect.
	commitTxn func(*badgerdb.Txn) error
}

func (w *writer) apply(changes []change) error {
	txn := w.db.NewTransaction(true)
	defer func() { txn.Discard() }()
	inTxn := 0
	for i := 0; i < len(changes); {
		c := changes[i]
		var err error
		if c.del {
			err = txn.Delete(c.key)
		} else {
			err = txn.Set(c.key, c.val)
		}
		switch {
		case err == nil:
			i++
			inTxn++
		case errors.Is(err, badgerdb.ErrTxnTooBig) && inTxn > 0:
			if err := w.commit(txn); err != nil {
				return err
			}
			txn = w.db.NewTransaction(true)
			inTxn = 0
		default:
			return fmt.Errorf("stage change %d of %d: %w", i+1, len(changes), err)
		}
	}
	return w.commit(txn)
}

func (w *writer) commit(txn *badgerdb.Txn) error {
	commit := txn.Commit
	if w.commitTxn != nil {
		commit = func() error { return w.commitTxn(txn) }
	}
	if err := commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
