package client

import (
	"context"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

// BenchmarkGetPipelined measures the client's cost per pipelined getData
// against an in-process node; allocs/op shows what the hot path allocates
// (the reply's data and the server's share, which runs in this process too).
func BenchmarkGetPipelined(b *testing.B) {
	addr := startNodeB(b)
	ctx := context.Background()
	c, err := Dial(ctx, addr, Options{MaxInFlight: 64})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Create(ctx, "/b", make([]byte, 100), proto.ModePersistent, nil); err != nil {
		b.Fatal(err)
	}
	req := proto.GetDataRequest{Path: "/b"}
	resps := make([]proto.GetDataResponse, 64)
	free := make(chan int, 64)
	for i := range 64 {
		free <- i
	}
	dones := make([]func(proto.ReplyHeader, error), 64)
	for i := range dones {
		dones[i] = func(_ proto.ReplyHeader, err error) {
			if err != nil {
				b.Error(err)
			}
			free <- i
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		i := <-free
		c.Go(proto.OpGetData, &req, &resps[i], dones[i])
	}
	for range 64 {
		<-free
	}
}
