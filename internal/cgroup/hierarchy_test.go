package cgroup

import (
	"reflect"
	"strings"
	"testing"
)

const hybridMountInfo = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`

func TestMountSelection(t *testing.T) {
	tests := []struct {
		name          string
		mountinfo     string
		v1            *Hierarchy
		v1Err         string
		v2Root, v2Err string
	}{{
		name:      "hybrid: v1 controllers, empty unified",
		mountinfo: hybridMountInfo,
		v1:        &Hierarchy{Version: V1, CPU: "/sys/fs/cgroup/cpu", CPUAcct: "/sys/fs/cgroup/cpuacct", Memory: "/sys/fs/cgroup/memory"},
		v2Root:    "/sys/fs/cgroup/unified",
	}, {
		name: "co-mounted cpu,cpuacct with optional fields",
		mountinfo: `25 18 0:22 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct
26 18 0:23 / /sys/fs/cgroup/memory rw,nosuid shared:10 - cgroup cgroup rw,memory
`,
		v1:    &Hierarchy{Version: V1, CPU: "/sys/fs/cgroup/cpu,cpuacct", CPUAcct: "/sys/fs/cgroup/cpu,cpuacct", Memory: "/sys/fs/cgroup/memory"},
		v2Err: "not mounted",
	}, {
		name:      "pure v2",
		mountinfo: "29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n",
		v1Err:     "controller cpu not mounted",
		v2Root:    "/sys/fs/cgroup",
	}, {
		name: "memory controller missing",
		mountinfo: `32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu,cpuacct
`,
		v1Err: "controller memory not mounted",
		v2Err: "not mounted",
	}, {
		name: "read-only mounts",
		mountinfo: `32 31 0:29 / /sys/fs/cgroup/cpu ro,relatime - cgroup cgroup ro,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory ro,relatime - cgroup cgroup ro,memory
41 31 0:38 / /sys/fs/cgroup ro,relatime - cgroup2 cgroup2 rw
`,
		v1Err: "/sys/fs/cgroup/cpu (controller cpu) is mounted read-only",
		v2Err: "/sys/fs/cgroup is mounted read-only",
	}, {
		name:      "escaped mount point",
		mountinfo: `41 31 0:38 / /mnt/my\040cgroups rw - cgroup2 cgroup2 rw` + "\n",
		v1Err:     "controller cpu not mounted",
		v2Root:    "/mnt/my cgroups",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mounts, err := parseMountInfo(strings.NewReader(tt.mountinfo))
			if err != nil {
				t.Fatal(err)
			}
			h, err := v1Mounts(mounts)
			if !reflect.DeepEqual(h, tt.v1) || errString(err) != tt.v1Err {
				t.Errorf("v1Mounts = %+v, %v; want %+v, %q", h, err, tt.v1, tt.v1Err)
			}
			root, err := v2Mount(mounts)
			if root != tt.v2Root || errString(err) != tt.v2Err {
				t.Errorf("v2Mount = %q, %v; want %q, %q", root, err, tt.v2Root, tt.v2Err)
			}
		})
	}
}

func TestParseMountInfoMalformed(t *testing.T) {
	_, err := parseMountInfo(strings.NewReader(hybridMountInfo + "42 31 0:38 / /x rw cgroup2\n"))
	if err == nil || !strings.Contains(err.Error(), "line 8") {
		t.Fatalf("err = %v, want a malformed line 8 error", err)
	}
}

func TestParseKeyValues(t *testing.T) {
	tests := []struct {
		name, text string
		want       map[string]uint64
		err        string
	}{
		{"v1 cpu.stat", "nr_periods 20\nnr_throttled 19\nthrottled_time 1650000000\nnr_bursts 0\nburst_time 0\n",
			map[string]uint64{"nr_periods": 20, "nr_throttled": 19, "throttled_time": 1650000000, "nr_bursts": 0, "burst_time": 0}, ""},
		{"v1 memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
			map[string]uint64{"oom_kill_disable": 0, "under_oom": 0, "oom_kill": 1}, ""},
		{"v2 memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 1\n",
			map[string]uint64{"low": 0, "high": 0, "max": 12, "oom": 1, "oom_kill": 1, "oom_group_kill": 1}, ""},
		{"blank lines", "\nusage_usec 5\n\n", map[string]uint64{"usage_usec": 5}, ""},
		{"three fields", "a 1 2\n", nil, `line 1: want "key value", got "a 1 2"`},
		{"not a number", "a 1\nb max\n", nil, `line 2: strconv.ParseUint: parsing "max": invalid syntax`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseKeyValues(tt.text)
			if errString(err) != tt.err || tt.err == "" && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseKeyValues = %v, %v; want %v, %q", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestLimitsValidate(t *testing.T) {
	tests := []struct {
		name   string
		limits Limits
		err    string // substring; "" means valid
	}{
		{"none", Limits{}, ""},
		{"cpu and memory", Limits{CPU: 0.2, Memory: 64 << 20}, ""},
		{"explicit period", Limits{CPU: 2, Period: 50 * 1e6}, ""},
		{"negative cpu", Limits{CPU: -1}, "CPU -1 cores"},
		{"quota below 1ms", Limits{CPU: 0.005}, "quota of 500µs per 100000µs period"},
		{"period too long", Limits{CPU: 1, Period: 2e9}, "Period 2s"},
		{"memory in MiB by mistake", Limits{Memory: 64}, "Memory 64 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.limits.Validate()
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("Validate() = %v, want error containing %q", err, tt.err)
			}
		})
	}
}

func TestStatsArithmetic(t *testing.T) {
	prev := Stats{CPUUsage: 1e9, Periods: 10, Throttled: 5, ThrottledTime: 2e8, OOMKills: 1, MemoryPeak: 10}
	cur := Stats{CPUUsage: 3e9, Periods: 30, Throttled: 20, ThrottledTime: 5e8, OOMKills: 1, MemoryPeak: 20, MemoryCurrent: 7}
	d := cur.Sub(prev)
	want := Stats{CPUUsage: 2e9, Periods: 20, Throttled: 15, ThrottledTime: 3e8, MemoryPeak: 20, MemoryCurrent: 7}
	if d != want {
		t.Errorf("Sub = %+v, want %+v", d, want)
	}
	if r := d.ThrottledRatio(); r != 0.75 {
		t.Errorf("ThrottledRatio = %v, want 0.75", r)
	}
	if c := d.Cores(4e9); c != 0.5 {
		t.Errorf("Cores(4s) = %v, want 0.5", c)
	}
	if r := (Stats{}).ThrottledRatio(); r != 0 {
		t.Errorf("ThrottledRatio without periods = %v, want 0", r)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
