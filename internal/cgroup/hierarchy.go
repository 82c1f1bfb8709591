package cgroup

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// ErrUnavailable is wrapped by every error saying that no cgroup hierarchy
// can be used on this machine (nothing mounted, read-only, not root,
// controller missing). Tests turn it into t.Skip.
var ErrUnavailable = errors.New("cgroups unavailable")

// Version is the cgroup hierarchy version a Hierarchy drives.
type Version int

// The two cgroup versions.
const (
	V1 Version = 1
	V2 Version = 2
)

// String returns "cgroup v1" or "cgroup v2".
func (v Version) String() string { return fmt.Sprintf("cgroup v%d", int(v)) }

// Hierarchy is a usable cgroup hierarchy: the mount points of the
// controllers groups are created in.
type Hierarchy struct {
	// Version says which interface files are used.
	Version Version
	// CPU, CPUAcct and Memory are the directories the groups are created
	// below. On v2 they are all the unified mount point; on v1 CPU and
	// CPUAcct are equal when the two controllers are co-mounted.
	CPU, CPUAcct, Memory string
	// Note says why the other version was not chosen, for logs.
	Note string

	// controllers are the v2 controllers enabled for tailor groups.
	controllers []string
}

// String names the version and the mount points.
func (h *Hierarchy) String() string {
	var s string
	if h.Version == V2 {
		s = fmt.Sprintf("%s at %s", h.Version, h.CPU)
	} else {
		s = fmt.Sprintf("%s (cpu %s, cpuacct %s, memory %s)", h.Version, h.CPU, h.CPUAcct, h.Memory)
	}
	if h.Note != "" {
		s += "; " + h.Note
	}
	return s
}

// dirs returns the distinct controller mount points, in a fixed order.
func (h *Hierarchy) dirs() []string {
	return slices.Compact([]string{h.CPU, h.CPUAcct, h.Memory})
}

// Detect finds a usable hierarchy: cgroup v2 when its cpu and memory
// controllers are available, else cgroup v1. The error wraps ErrUnavailable
// and gives the reason for both versions.
func Detect() (*Hierarchy, error) {
	if err := platformCheck(); err != nil {
		return nil, fmt.Errorf("cgroup: detect: %w: %w", ErrUnavailable, err)
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("cgroup: detect: %w: %w", ErrUnavailable, err)
	}
	defer f.Close()
	mounts, err := parseMountInfo(f)
	if err != nil {
		return nil, fmt.Errorf("cgroup: detect: %w", err)
	}
	h2, err2 := detectV2(mounts)
	if err2 == nil {
		return h2, nil
	}
	h1, err1 := detectV1(mounts)
	if err1 == nil {
		h1.Note = "not cgroup v2: " + err2.Error()
		return h1, nil
	}
	return nil, fmt.Errorf("cgroup: detect: %w: cgroup v2: %v; cgroup v1: %v", ErrUnavailable, err2, err1)
}

// mount is one line of /proc/self/mountinfo.
type mount struct {
	point    string
	fsType   string
	super    []string // superblock options; for cgroup v1 they name the controllers
	readOnly bool
}

// parseMountInfo parses /proc/<pid>/mountinfo (proc(5)).
func parseMountInfo(r io.Reader) ([]mount, error) {
	var mounts []mount
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		sep := slices.Index(fields, "-")
		if sep < 6 || len(fields) < sep+4 {
			return nil, fmt.Errorf("parse mountinfo line %d: malformed: %q", line, sc.Text())
		}
		super := strings.Split(fields[sep+3], ",")
		mounts = append(mounts, mount{
			point:    unescapeMount(fields[4]),
			fsType:   fields[sep+1],
			super:    super,
			readOnly: slices.Contains(strings.Split(fields[5], ","), "ro") || slices.Contains(super, "ro"),
		})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parse mountinfo: %w", err)
	}
	return mounts, nil
}

// unescapeMount undoes the octal escapes (\040 for a space) of mountinfo.
func unescapeMount(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if c, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(c))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// detectV1 finds the cpu, cpuacct and memory controllers of cgroup v1 and
// checks that groups can be created below them.
func detectV1(mounts []mount) (*Hierarchy, error) {
	h, err := v1Mounts(mounts)
	if err != nil {
		return nil, err
	}
	for _, dir := range h.dirs() {
		if err := checkWritable(dir); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// v1Mounts picks the mount points of the cgroup v1 cpu, cpuacct and memory
// controllers.
func v1Mounts(mounts []mount) (*Hierarchy, error) {
	h := &Hierarchy{Version: V1}
	for _, want := range []struct {
		controller string
		dir        *string
	}{{"cpu", &h.CPU}, {"cpuacct", &h.CPUAcct}, {"memory", &h.Memory}} {
		i := slices.IndexFunc(mounts, func(m mount) bool {
			return m.fsType == "cgroup" && slices.Contains(m.super, want.controller)
		})
		if i < 0 {
			return nil, fmt.Errorf("controller %s not mounted", want.controller)
		}
		if mounts[i].readOnly {
			return nil, fmt.Errorf("%s (controller %s) is mounted read-only", mounts[i].point, want.controller)
		}
		*want.dir = mounts[i].point
	}
	return h, nil
}

// detectV2 finds the unified hierarchy and checks that the cpu and memory
// controllers can be enabled for tailor groups.
func detectV2(mounts []mount) (*Hierarchy, error) {
	root, err := v2Mount(mounts)
	if err != nil {
		return nil, err
	}
	if err := checkV2Controllers(root, "cpu", "memory"); err != nil {
		return nil, err
	}
	if err := checkWritable(root); err != nil {
		return nil, err
	}
	return &Hierarchy{Version: V2, CPU: root, CPUAcct: root, Memory: root, controllers: []string{"cpu", "memory"}}, nil
}

// v2Mount picks the mount point of the unified hierarchy.
func v2Mount(mounts []mount) (string, error) {
	i := slices.IndexFunc(mounts, func(m mount) bool { return m.fsType == "cgroup2" })
	switch {
	case i < 0:
		return "", errors.New("not mounted")
	case mounts[i].readOnly:
		return "", fmt.Errorf("%s is mounted read-only", mounts[i].point)
	}
	return mounts[i].point, nil
}

// checkV2Controllers checks that root offers the controllers and passes
// them to its children.
func checkV2Controllers(root string, want ...string) error {
	for _, file := range []string{"cgroup.controllers", "cgroup.subtree_control"} {
		b, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			return err
		}
		have := strings.Fields(string(b))
		var missing []string
		for _, c := range want {
			if !slices.Contains(have, c) {
				missing = append(missing, c)
			}
		}
		if len(missing) == 0 {
			continue
		}
		if file == "cgroup.controllers" {
			return fmt.Errorf("controllers %s missing from %s/%s (bound to cgroup v1?)",
				strings.Join(missing, ", "), root, file)
		}
		return fmt.Errorf("controllers %s not enabled in %s/%s (echo +%s > it)",
			strings.Join(missing, ", "), root, file, strings.Join(missing, " +"))
	}
	return nil
}

// checkWritable reports why groups cannot be created in dir.
func checkWritable(dir string) error {
	err := writable(dir)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("%s is read-only", dir)
	case os.Geteuid() != 0:
		return fmt.Errorf("%s is not writable: not root (euid %d): %w", dir, os.Geteuid(), err)
	default:
		return fmt.Errorf("%s is not writable: %w", dir, err)
	}
}
