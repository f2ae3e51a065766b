package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// recovery is what one server showed with the big tree on disk: start →
// first read per restart, and resident memory once it served.
type recovery struct {
	startup  []time.Duration
	rss, hwm []int64 // bytes, per restart: VmRSS after settling, VmHWM (peak)
}

// measureRecovery fills a fresh server of each kind with znodes znodes of
// 100 bytes under 10 parents (issue 6's shape), then restarts both
// restarts times, alternating which goes first, timing each from exec to
// the first getData that succeeds and reading its resident memory after
// settle. Each server stops with SIGTERM, as an operator's restart does.
func measureRecovery(warren string, kinds []serverKind, dir string, znodes, restarts int, settle time.Duration) ([]recovery, error) {
	out := make([]recovery, len(kinds))
	homes := make([]*home, len(kinds))
	for i, k := range kinds {
		h, err := newHome(k.name+"-recovery", dir)
		if err != nil {
			return nil, err
		}
		homes[i] = h
		s, err := h.launch(k.command)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		err = load(warren, s, znodes)
		s.stop()
		if err != nil {
			return nil, fmt.Errorf("loading %s: %w", k.name, err)
		}
		fmt.Fprintf(os.Stderr, "%s: %d znodes loaded in %s\n", k.name, znodes, time.Since(start).Round(time.Millisecond))
	}
	for round := range restarts {
		for _, i := range order(round) {
			took, rss, hwm, err := restart(homes[i], kinds[i].command, settle)
			if err != nil {
				return nil, fmt.Errorf("restarting %s: %w", kinds[i].name, err)
			}
			out[i].startup = append(out[i].startup, took)
			out[i].rss, out[i].hwm = append(out[i].rss, rss), append(out[i].hwm, hwm)
			fmt.Fprintf(os.Stderr, "restart %d %-9s first read after %s, resident %d MiB (peak %d MiB)\n",
				round+1, kinds[i].name, took.Round(time.Millisecond), rss>>20, hwm>>20)
		}
	}
	return out, nil
}

// load creates znodes znodes under /p0 … /p9, a tenth each.
func load(warren string, s *server, znodes int) error {
	for p := range 10 {
		if _, err := runBench(warren, s, "load", "-c", "16", "-n", "32", "--keys", strconv.Itoa(znodes/10),
			"--value-size", "100", "--root", "/p"+strconv.Itoa(p)); err != nil {
			return err
		}
	}
	return nil
}

// printRecovery prints the memory and start-up rows of issue 6's table.
func printRecovery(rec []recovery, znodes int) {
	fmt.Printf("\n%d znodes of 100 B under 10 parents on disk; %d alternating restarts; medians [min–max]\n\n", znodes, len(rec[0].startup))
	fmt.Println("| row | Warren | ZooKeeper 3.8 | Warren/ZooKeeper | target | met |")
	fmt.Println("|---|---|---|---|---|---|")
	mib := func(v []int64) [3]float64 {
		f := make([]float64, len(v))
		for i, b := range v {
			f[i] = float64(b) / (1 << 20)
		}
		return spread(f)
	}
	secs := func(v []time.Duration) [3]float64 {
		f := make([]float64, len(v))
		for i, d := range v {
			f[i] = d.Seconds()
		}
		return spread(f)
	}
	yes := map[bool]string{true: "yes", false: "**no**"}
	w, z := mib(rec[0].rss), mib(rec[1].rss)
	fmt.Printf("| resident memory after restart | %.0f MiB [%.0f–%.0f] | %.0f MiB [%.0f–%.0f] | %.2f× | ≤ 250 MiB | %s |\n",
		w[1], w[0], w[2], z[1], z[0], z[2], w[1]/z[1], yes[w[1] <= 250])
	w, z = mib(rec[0].hwm), mib(rec[1].hwm)
	fmt.Printf("| peak resident memory (VmHWM) | %.0f MiB [%.0f–%.0f] | %.0f MiB [%.0f–%.0f] | %.2f× | — | — |\n",
		w[1], w[0], w[2], z[1], z[0], z[2], w[1]/z[1])
	w, z = secs(rec[0].startup), secs(rec[1].startup)
	fmt.Printf("| start → first read | %.2f s [%.2f–%.2f] | %.2f s [%.2f–%.2f] | %.2f× | ≤ 0.25× | %s |\n",
		w[1], w[0], w[2], z[1], z[0], z[2], w[1]/z[1], yes[w[1]/z[1] <= 0.25])
}

// restart starts the server in h and times it until a getData of a loaded
// znode succeeds, polling every 5 ms.
func restart(h *home, command func(cfg string) *exec.Cmd, settle time.Duration) (time.Duration, int64, int64, error) {
	begin := time.Now()
	s, err := h.spawn(command)
	if err != nil {
		return 0, 0, 0, err
	}
	defer s.stop()
	if err := s.awaitRead("/p9", 5*time.Minute); err != nil {
		return 0, 0, 0, err
	}
	took := time.Since(begin)
	time.Sleep(settle)
	rss, hwm, err := residentMemory(s.cmd.Process.Pid)
	return took, rss, hwm, err
}

// residentMemory reads a process's VmRSS and VmHWM from /proc.
func residentMemory(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "kB" {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			hwm = kb << 10
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
	}
	return rss, hwm, nil
}
