package server

import (
	"context"
	"fmt"
	"testing"

	"github.com/warrenzk/warren/core/client"
	"github.com/warrenzk/warren/core/proto"
)

// The pipeline benchmarks drive an in-process node over loopback with 64
// requests in flight on one connection and an in-memory log, so that they
// measure the request path itself (decode, prep, group commit, apply,
// reply) rather than the disk. allocs/op is the server's garbage per
// request: core/client's hot path allocates nothing.

func BenchmarkPipelinedSetData(b *testing.B) {
	c := benchClient(b)
	keys := benchKeys(b, c, 100)
	data := make([]byte, 100)
	benchPipelined(b, c, proto.OpSetData, func(i int) proto.Record {
		return &proto.SetDataRequest{Path: keys[i%len(keys)], Data: data, Version: -1}
	}, func() proto.Record { return &proto.SetDataResponse{} })
}

func BenchmarkPipelinedCreate(b *testing.B) {
	c := benchClient(b)
	data := make([]byte, 100)
	paths := make([]string, b.N)
	for i := range paths {
		paths[i] = fmt.Sprintf("/bench-%d", i)
	}
	benchPipelined(b, c, proto.OpCreate, func(i int) proto.Record {
		return &proto.CreateRequest{Path: paths[i], Data: data, ACL: proto.OpenACLUnsafe}
	}, func() proto.Record { return &proto.CreateResponse{} })
}

func BenchmarkPipelinedGetData(b *testing.B) {
	c := benchClient(b)
	keys := benchKeys(b, c, 100)
	benchPipelined(b, c, proto.OpGetData, func(i int) proto.Record {
		return &proto.GetDataRequest{Path: keys[i%len(keys)]}
	}, func() proto.Record { return &proto.GetDataResponse{} })
}

func benchClient(b *testing.B) *client.Conn {
	n := startNode(b)
	c, err := client.Dial(context.Background(), n.addr, client.Options{MaxInFlight: 64})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

func benchKeys(b *testing.B, c *client.Conn, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("/key-%d", i)
		if _, err := c.Create(context.Background(), keys[i], make([]byte, 100), proto.ModePersistent, nil); err != nil {
			b.Fatal(err)
		}
	}
	return keys
}

// benchPipelined keeps 64 requests of op in flight until b.N are answered.
// Requests are built before the timer starts.
func benchPipelined(b *testing.B, c *client.Conn, op proto.Op, req func(int) proto.Record, resp func() proto.Record) {
	const depth = 64
	reqs := make([]proto.Record, b.N)
	for i := range reqs {
		reqs[i] = req(i)
	}
	resps := make([]proto.Record, depth)
	free := make(chan int, depth)
	dones := make([]func(proto.ReplyHeader, error), depth)
	for i := range depth {
		resps[i] = resp()
		free <- i
		dones[i] = func(_ proto.ReplyHeader, err error) {
			if err != nil {
				b.Error(err)
			}
			free <- i
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		s := <-free
		c.Go(op, reqs[i], resps[s], dones[s])
	}
	for range depth {
		<-free
	}
}
