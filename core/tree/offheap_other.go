//go:build !unix

package tree

// offHeap is make where there is no mmap: the store then lives on the Go
// heap, as any other data.
func offHeap(n int) []byte { return make([]byte, 0, n) }

func freeOffHeap([]byte) {}
