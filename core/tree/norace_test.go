//go:build !race

package tree

const raceOn = false
