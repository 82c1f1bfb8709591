package cgroup

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultParent is the directory, below each controller's mount point, that
// New creates groups in.
const DefaultParent = "tailor"

// DefaultPeriod is the CFS period used when Limits.Period is zero; it is the
// kernel's and Kubernetes' default.
const DefaultPeriod = 100 * time.Millisecond

// Limits are the resource limits of a group.
type Limits struct {
	// CPU is the CPU limit in cores (1.5 = 150 ms of CPU time per 100 ms
	// period); 0 means no limit.
	CPU float64
	// Memory is the memory limit in bytes; 0 means no limit.
	Memory int64
	// Period is the CFS enforcement period; 0 means DefaultPeriod.
	Period time.Duration
}

// quota returns the CFS period and quota in microseconds.
func (l Limits) quota() (period, quota int64) {
	p := l.Period
	if p == 0 {
		p = DefaultPeriod
	}
	period = p.Microseconds()
	return period, int64(math.Round(l.CPU * float64(period)))
}

// shares is the group's cpu.shares: CPU × 1024 like the kubelet for a
// container whose request equals its limit, but never below the 1024 of a
// plain process, so on a busy machine the quota, not competition with the
// processes outside tailor's groups, is what limits a trial.
func (l Limits) shares() int64 {
	return max(1024, int64(math.Round(l.CPU*1024)))
}

// Validate reports the first limit the kernel would refuse or that is
// probably a unit mistake, naming the field.
func (l Limits) Validate() error {
	period, quota := l.quota()
	switch {
	case math.IsNaN(l.CPU) || math.IsInf(l.CPU, 0) || l.CPU < 0:
		return fmt.Errorf("cgroup: invalid limits: CPU %v cores: want 0 (no limit) or a positive number", l.CPU)
	case l.Period < 0 || l.Period != 0 && (period < 1000 || period > 1000000):
		return fmt.Errorf("cgroup: invalid limits: Period %v: want 0 (default %v) or 1ms..1s", l.Period, DefaultPeriod)
	case l.CPU > 0 && quota < 1000:
		return fmt.Errorf("cgroup: invalid limits: CPU %v cores is a quota of %dµs per %dµs period, below the kernel minimum of 1000µs",
			l.CPU, quota, period)
	case l.Memory < 0 || l.Memory > 0 && l.Memory < 1<<20:
		return fmt.Errorf("cgroup: invalid limits: Memory %d bytes: want 0 (no limit) or at least 1 MiB (bytes, not MiB)", l.Memory)
	}
	return nil
}

// Group is a cgroup created by this process: one directory per controller
// mount point (three on cgroup v1, one on v2), each held open and flocked
// until Destroy.
type Group struct {
	h      *Hierarchy
	name   string
	limits Limits
	swap   string

	cpuDir, acctDir, memDir string
	dirs                    []string   // distinct directories, created in this order
	held                    []*os.File // flocked directories, parallel to dirs

	mu        sync.Mutex
	destroyed bool
	peak      *peakSampler // v2 without memory.peak only
}

var detectOnce = sync.OnceValues(Detect)

// New creates the group DefaultParent/name in the hierarchy Detect finds and
// applies limits.
func New(name string, limits Limits) (*Group, error) {
	h, err := detectOnce()
	if err != nil {
		return nil, err
	}
	return h.NewGroup(DefaultParent, name, limits)
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$`)

// checkParent validates a parent path: one or more names joined by "/".
func checkParent(parent string) error {
	for _, part := range strings.Split(parent, "/") {
		if !namePattern.MatchString(part) {
			return fmt.Errorf("parent %q: want names of letters, digits, '.', '_', '-' joined by '/'", parent)
		}
	}
	return nil
}

// NewGroup creates the group parent/name below every controller of h
// (parent may have several levels, "tailor/trials"), takes its ownership
// lock and applies limits. It fails if the group already exists.
func (h *Hierarchy) NewGroup(parent, name string, limits Limits) (*Group, error) {
	if !namePattern.MatchString(name) {
		return nil, fmt.Errorf("cgroup: new group %q: want a name of letters, digits, '.', '_', '-'", name)
	}
	if err := checkParent(parent); err != nil {
		return nil, fmt.Errorf("cgroup: new group %q: %w", name, err)
	}
	if err := limits.Validate(); err != nil {
		return nil, err
	}
	g := &Group{h: h, name: name, limits: limits,
		cpuDir:  filepath.Join(h.CPU, parent, name),
		acctDir: filepath.Join(h.CPUAcct, parent, name),
		memDir:  filepath.Join(h.Memory, parent, name),
	}
	for _, root := range h.dirs() {
		dir := filepath.Join(root, parent, name)
		f, err := h.createDir(filepath.Join(root, parent), dir)
		if err != nil {
			g.removeDirs()
			return nil, fmt.Errorf("cgroup: new group %s: %w", name, err)
		}
		g.dirs, g.held = append(g.dirs, dir), append(g.held, f)
	}
	if err := g.apply(); err != nil {
		g.removeDirs()
		return nil, fmt.Errorf("cgroup: new group %s: %w", name, err)
	}
	if h.Version == V2 && g.hasController("memory") && !exists(filepath.Join(g.memDir, "memory.peak")) {
		g.peak = startPeakSampler(filepath.Join(g.memDir, "memory.current"), PeakSampleInterval)
	}
	return g, nil
}

// createDir creates dir below parent (creating parent as needed), opens it
// and takes its ownership lock. It retries when a concurrent Sweep removes
// the parent or the fresh directory before the lock is taken.
func (h *Hierarchy) createDir(parent, dir string) (*os.File, error) {
	var err error
	for range 5 {
		if err = h.ensureParent(parent); err != nil {
			return nil, err
		}
		if err = os.Mkdir(dir, 0o755); errors.Is(err, os.ErrNotExist) {
			continue // parent swept meanwhile
		} else if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("%w (a live group of that name, or a stale one Sweep removes)", err)
		} else if err != nil {
			return nil, err
		}
		var f *os.File
		if f, err = lockDir(dir); err == nil {
			return f, nil
		}
	}
	return nil, err
}

// ensureParent creates parent and, on v2, enables the controllers for the
// children of every level below the mount point.
func (h *Hierarchy) ensureParent(parent string) error {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	if h.Version != V2 || len(h.controllers) == 0 {
		return nil
	}
	rel, err := filepath.Rel(h.CPU, parent)
	if err != nil {
		return err
	}
	enable := "+" + strings.Join(h.controllers, " +")
	dir := h.CPU
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		dir = filepath.Join(dir, part)
		if err := writeFile(filepath.Join(dir, "cgroup.subtree_control"), enable); err != nil {
			return err
		}
	}
	return nil
}

// lockDir opens dir and takes its exclusive flock without blocking. It
// fails if another process holds the lock or dir was removed and recreated
// between the open and the lock.
func lockDir(dir string) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := flock(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	fi, err1 := f.Stat()
	cur, err2 := os.Stat(dir)
	if err := errors.Join(err1, err2); err != nil || !os.SameFile(fi, cur) {
		f.Close()
		return nil, fmt.Errorf("lock %s: directory removed concurrently", dir)
	}
	return f, nil
}

// apply writes the limits.
func (g *Group) apply() error {
	period, quota := g.limits.quota()
	if g.h.Version == V2 {
		return g.applyV2(period, quota)
	}
	if g.limits.CPU > 0 {
		if err := writeFile(filepath.Join(g.cpuDir, "cpu.cfs_period_us"), strconv.FormatInt(period, 10)); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(g.cpuDir, "cpu.cfs_quota_us"), strconv.FormatInt(quota, 10)); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(g.cpuDir, "cpu.shares"), strconv.FormatInt(g.limits.shares(), 10)); err != nil {
			return err
		}
	}
	if g.limits.Memory == 0 {
		return nil
	}
	mem := strconv.FormatInt(g.limits.Memory, 10)
	if err := writeFile(filepath.Join(g.memDir, "memory.limit_in_bytes"), mem); err != nil {
		return err
	}
	var done []string
	if memsw := filepath.Join(g.memDir, "memory.memsw.limit_in_bytes"); exists(memsw) {
		if err := writeFile(memsw, mem); err != nil {
			return err
		}
		done = append(done, "memory.memsw.limit_in_bytes = memory.limit_in_bytes")
	}
	if writeFile(filepath.Join(g.memDir, "memory.swappiness"), "0") == nil {
		done = append(done, "memory.swappiness = 0")
	}
	g.swap = strings.Join(done, ", ")
	if g.swap == "" {
		g.swap = "swap not limited: no memory.memsw.limit_in_bytes (swapaccount=0) and memory.swappiness refused"
	}
	return nil
}

// applyV2 writes cpu.max, memory.max, memory.swap.max and memory.oom.group.
func (g *Group) applyV2(period, quota int64) error {
	if g.limits.CPU > 0 {
		if err := writeFile(filepath.Join(g.cpuDir, "cpu.max"), fmt.Sprintf("%d %d", quota, period)); err != nil {
			return err
		}
		// The kubelet's (runc's) conversion of shares to a weight.
		weight := 1 + (g.limits.shares()-2)*9999/262142
		if err := writeFile(filepath.Join(g.cpuDir, "cpu.weight"), strconv.FormatInt(weight, 10)); err != nil {
			return err
		}
	}
	if g.limits.Memory == 0 {
		return nil
	}
	if err := writeFile(filepath.Join(g.memDir, "memory.max"), strconv.FormatInt(g.limits.Memory, 10)); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(g.memDir, "memory.oom.group"), "1"); err != nil {
		return err
	}
	g.swap = "swap not limited: no memory.swap.max (swap accounting off)"
	if swap := filepath.Join(g.memDir, "memory.swap.max"); exists(swap) {
		if err := writeFile(swap, "0"); err != nil {
			return err
		}
		g.swap = "memory.swap.max = 0"
	}
	return nil
}

func (g *Group) hasController(c string) bool {
	return g.h.Version == V1 || slices.Contains(g.h.controllers, c)
}

// Name returns the group's name.
func (g *Group) Name() string { return g.name }

// Limits returns the limits the group was created with.
func (g *Group) Limits() Limits { return g.limits }

// Dirs returns the group's directories, one per distinct controller mount.
func (g *Group) Dirs() []string { return append([]string(nil), g.dirs...) }

// Swap says how swap is kept from the group: the files written, or why swap
// is not limited. It is empty when the group has no memory limit.
func (g *Group) Swap() string { return g.swap }

// writeFile writes one value to a cgroup interface file.
func writeFile(path, value string) error {
	if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
		return fmt.Errorf("write %q to %s: %w", value, path, err)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
