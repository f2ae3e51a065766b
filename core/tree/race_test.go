//go:build race

package tree

// raceOn says the race detector is on; long randomized tests run fewer
// seeds under it, as they are ten times slower there.
const raceOn = true
