package cgroup

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// PeakSampleInterval is how often memory.current is sampled for the peak on
// cgroup v2 kernels without memory.peak (before Linux 5.19); spikes shorter
// than that may be missed there.
const PeakSampleInterval = 20 * time.Millisecond

// Stats is the accounting of a group since it was created. Counters
// accumulate; MemoryCurrent and MemoryPeak are gauges.
type Stats struct {
	// CPUUsage is the CPU time (user and system) used by all processes
	// that ever ran in the group.
	CPUUsage time.Duration
	// Periods is the number of CFS periods in which the group had runnable
	// tasks (nr_periods); it stays 0 without a CPU limit.
	Periods uint64
	// Throttled is the number of those periods in which the group ran out
	// of quota (nr_throttled).
	Throttled uint64
	// ThrottledTime is the total time the group's tasks were throttled.
	ThrottledTime time.Duration
	// MemoryCurrent is the memory charged to the group now, bytes.
	MemoryCurrent int64
	// MemoryPeak is the highest memory charge seen, bytes.
	MemoryPeak int64
	// OOMKills is the number of processes the OOM killer killed in the group.
	OOMKills uint64
}

// ThrottledRatio is Throttled/Periods, 0 when there were no periods.
func (s Stats) ThrottledRatio() float64 {
	if s.Periods == 0 {
		return 0
	}
	return float64(s.Throttled) / float64(s.Periods)
}

// Cores is the average number of cores used over a window of length d.
func (s Stats) Cores(d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return s.CPUUsage.Seconds() / d.Seconds()
}

// Sub returns the counters accumulated since prev, an earlier Stats of the
// same group, with s's gauges.
func (s Stats) Sub(prev Stats) Stats {
	s.CPUUsage -= prev.CPUUsage
	s.Periods -= prev.Periods
	s.Throttled -= prev.Throttled
	s.ThrottledTime -= prev.ThrottledTime
	s.OOMKills -= prev.OOMKills
	return s
}

// Stats reads the group's accounting.
func (g *Group) Stats() (Stats, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.destroyed {
		return Stats{}, errDestroyed(g.name)
	}
	var s Stats
	var err error
	if g.h.Version == V2 {
		s, err = g.statsV2()
	} else {
		s, err = g.statsV1()
	}
	if err != nil {
		return Stats{}, fmt.Errorf("cgroup: stats of %s: %w", g.name, err)
	}
	return s, nil
}

func (g *Group) statsV1() (Stats, error) {
	var s Stats
	usage, err := readInt(filepath.Join(g.acctDir, "cpuacct.usage"))
	if err != nil {
		return s, err
	}
	cpu, err := readKeyValues(filepath.Join(g.cpuDir, "cpu.stat"))
	if err != nil {
		return s, err
	}
	oom, err := readKeyValues(filepath.Join(g.memDir, "memory.oom_control"))
	if err != nil {
		return s, err
	}
	if s.MemoryCurrent, err = readInt(filepath.Join(g.memDir, "memory.usage_in_bytes")); err != nil {
		return s, err
	}
	if s.MemoryPeak, err = readInt(filepath.Join(g.memDir, "memory.max_usage_in_bytes")); err != nil {
		return s, err
	}
	s.CPUUsage = time.Duration(usage)
	s.Periods, s.Throttled = cpu["nr_periods"], cpu["nr_throttled"]
	s.ThrottledTime = time.Duration(cpu["throttled_time"])
	s.OOMKills = oom["oom_kill"] // Linux 4.13+; absent before, read as 0
	return s, nil
}

func (g *Group) statsV2() (Stats, error) {
	var s Stats
	cpu, err := readKeyValues(filepath.Join(g.cpuDir, "cpu.stat"))
	if err != nil {
		return s, err
	}
	s.CPUUsage = time.Duration(cpu["usage_usec"]) * time.Microsecond
	s.Periods, s.Throttled = cpu["nr_periods"], cpu["nr_throttled"]
	s.ThrottledTime = time.Duration(cpu["throttled_usec"]) * time.Microsecond
	if !g.hasController("memory") {
		return s, nil
	}
	if s.MemoryCurrent, err = readInt(filepath.Join(g.memDir, "memory.current")); err != nil {
		return s, err
	}
	if g.peak != nil {
		g.peak.observe(s.MemoryCurrent)
		s.MemoryPeak = g.peak.max.Load()
	} else if s.MemoryPeak, err = readInt(filepath.Join(g.memDir, "memory.peak")); err != nil {
		return s, err
	}
	events, err := readKeyValues(filepath.Join(g.memDir, "memory.events"))
	if err != nil {
		return s, err
	}
	s.OOMKills = events["oom_kill"]
	return s, nil
}

// readInt reads a file holding one integer.
func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", path, err)
	}
	return v, nil
}

// readKeyValues reads a flat-keyed file such as cpu.stat.
func readKeyValues(path string) (map[string]uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kv, err := parseKeyValues(string(b))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return kv, nil
}

// parseKeyValues parses "key value" lines (cpu.stat, memory.events,
// memory.oom_control).
func parseKeyValues(text string) (map[string]uint64, error) {
	kv := make(map[string]uint64)
	sc := bufio.NewScanner(strings.NewReader(text))
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want \"key value\", got %q", line, sc.Text())
		}
		v, err := strconv.ParseUint(fields[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		kv[fields[0]] = v
	}
	return kv, sc.Err()
}

// peakSampler tracks the maximum of memory.current by polling it.
type peakSampler struct {
	max  atomic.Int64
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

func startPeakSampler(path string, every time.Duration) *peakSampler {
	p := &peakSampler{done: make(chan struct{})}
	p.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-t.C:
				v, err := readInt(path)
				if errors.Is(err, os.ErrNotExist) {
					return
				}
				if err == nil {
					p.observe(v)
				}
			}
		}
	})
	return p
}

func (p *peakSampler) observe(v int64) {
	for cur := p.max.Load(); v > cur && !p.max.CompareAndSwap(cur, v); cur = p.max.Load() {
	}
}

func (p *peakSampler) stop() {
	p.once.Do(func() { close(p.done) })
	p.wg.Wait()
}
