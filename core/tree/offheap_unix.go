//go:build unix

package tree

import (
	"fmt"
	"syscall"
)

// offHeap maps n bytes of zeroed anonymous memory outside the Go heap: the
// collector neither scans it nor counts it toward its heap goal, so a tree
// of a few hundred MiB does not make the process keep as much again in
// garbage between collections (GOGC). It panics, as make would, if the
// memory cannot be had.
func offHeap(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		panic(fmt.Sprintf("tree: map %d bytes: %v", n, err))
	}
	return b[:0]
}

// freeOffHeap unmaps memory offHeap returned (any length, same start and
// capacity). Nothing may use it afterwards.
func freeOffHeap(b []byte) {
	if err := syscall.Munmap(b[:cap(b)]); err != nil {
		panic(fmt.Sprintf("tree: unmap %d bytes: %v", cap(b), err))
	}
}
