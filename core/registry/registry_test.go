package registry

import (
	"slices"
	"testing"
)

func TestRegisterLookupNames(t *testing.T) {
	r := New[func() int]("thing")
	r.Register("b", func() int { return 2 })
	r.Register("a", func() int { return 1 })
	if f, ok := r.Lookup("b"); !ok || f() != 2 {
		t.Fatal("lookup b failed")
	}
	if _, ok := r.Lookup("c"); ok {
		t.Fatal("lookup of an unknown name succeeded")
	}
	if got := r.Names(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("names = %v", got)
	}
}

func TestRegisterPanics(t *testing.T) {
	for name, register := range map[string]func(r *Registry[int]){
		"empty name": func(r *Registry[int]) { r.Register("", 1) },
		"duplicate":  func(r *Registry[int]) { r.Register("x", 1); r.Register("x", 2) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			register(New[int]("thing"))
		})
	}
}
