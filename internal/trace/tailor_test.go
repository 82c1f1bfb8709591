package trace_test

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

func TestTailorRead(t *testing.T) {
	nan := math.NaN()
	ref := func(ns, wl, pod, c string) workload.ContainerRef {
		return workload.ContainerRef{Namespace: ns, Workload: wl, Pod: pod, Container: c}
	}
	tests := []struct {
		name, content string
		want          []workload.Sample
	}{{
		name:    "minimal columns and defaults",
		content: "timestamp,workload,container,cpu_cores\n1700000000,api,app,0.25\n",
		want: []workload.Sample{{Ref: ref("", "api", "", "app"), Time: time.Unix(1700000000, 0).UTC(),
			Interval: 300 * time.Second, CPU: 0.25, Memory: nan, ThrottledFraction: nan}},
	}, {
		name: "columns in any order, RFC 3339 with offset, empty optional cells",
		content: "memory_bytes,container,oom_killed,timestamp,workload,namespace,cpu_cores,interval_seconds,memory_limit,throttled_fraction\n" +
			"1048576,app,true,2024-01-02T03:04:05+01:00,api,prod,,60,2097152,0.5\n" +
			"2048, app ,,2024-01-02T02:05:05.5Z,api,prod,1,,,\n",
		want: []workload.Sample{{
			Ref: ref("prod", "api", "", "app"), Time: utc("2024-01-02T02:04:05Z"), Interval: time.Minute,
			CPU: nan, Memory: 1048576, Provisioned: workload.Resources{MemLimit: 2097152},
			OOMKilled: true, ThrottledFraction: 0.5,
		}, {
			Ref: ref("prod", "api", "", "app"), Time: utc("2024-01-02T02:05:05.5Z"), Interval: 300 * time.Second,
			CPU: 1, Memory: 2048, ThrottledFraction: nan,
		}},
	}, {
		name: "containers interleave, each in order",
		content: "timestamp,workload,pod,container,cpu_cores\n" +
			"100,w,p1,c,1\n100,w,p2,c,2\n200,w,p1,c,3\n150,w,p2,c,4\n",
		want: []workload.Sample{
			{Ref: ref("", "w", "p1", "c"), Time: time.Unix(100, 0).UTC(), Interval: 300 * time.Second, CPU: 1, Memory: nan, ThrottledFraction: nan},
			{Ref: ref("", "w", "p2", "c"), Time: time.Unix(100, 0).UTC(), Interval: 300 * time.Second, CPU: 2, Memory: nan, ThrottledFraction: nan},
			{Ref: ref("", "w", "p1", "c"), Time: time.Unix(200, 0).UTC(), Interval: 300 * time.Second, CPU: 3, Memory: nan, ThrottledFraction: nan},
			{Ref: ref("", "w", "p2", "c"), Time: time.Unix(150, 0).UTC(), Interval: 300 * time.Second, CPU: 4, Memory: nan, ThrottledFraction: nan},
		},
	}, {
		name:    "header only",
		content: "timestamp,workload,container,memory_bytes\n",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readString("t.csv", "tailor", tc.content)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d samples, want %d: %+v", len(got), len(tc.want), got)
			}
			for i := range got {
				if !sameSample(got[i], tc.want[i]) {
					t.Errorf("sample %d:\ngot  %+v\nwant %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestTailorBadInput(t *testing.T) {
	const h = "timestamp,workload,container,cpu_cores,memory_bytes\n"
	checkBad(t, "t.csv", "tailor", []badCase{
		{"empty file", "", "t.csv: empty file: no header row"},
		{"unknown column", "timestamp,workload,container,cpu_cores,cpu\n",
			`t.csv:1: unknown column "cpu" (known: timestamp, namespace, kind, workload, pod, container, interval_seconds, cpu_cores, memory_bytes, cpu_request, cpu_limit, memory_request, memory_limit, oom_killed, throttled_fraction)`},
		{"duplicate column", "timestamp,workload,container,cpu_cores,cpu_cores\n", `t.csv:1: duplicate column "cpu_cores"`},
		{"missing timestamp", "workload,container,cpu_cores\n", `t.csv:1: missing column "timestamp"`},
		{"missing usage", "timestamp,workload,container\n", "t.csv:1: missing usage: need a cpu_cores or memory_bytes column"},
		{"too few columns", h + "1,w,c,1,2\n2,w,c,1\n", "t.csv:3: has 4 columns, the header has 5"},
		{"too many columns", h + "1,w,c,1,2,3\n", "t.csv:2: has 6 columns, the header has 5"},
		{"unparsable number", h + "1,w,c,1,2\n2,w,c,x1,2\n", `t.csv:3: column cpu_cores: "x1" is not a number`},
		{"NaN", h + "1,w,c,NaN,2\n", `t.csv:2: column cpu_cores: "NaN" is not a finite number`},
		{"Inf", h + "1,w,c,1,+Inf\n", `t.csv:2: column memory_bytes: "+Inf" is not a finite number`},
		{"overflow", h + "1,w,c,1,1e400\n", `t.csv:2: column memory_bytes: "1e400" is not a finite number`},
		{"negative usage", h + "1,w,c,-0.5,2\n", `t.csv:2: column cpu_cores: "-0.5" is negative`},
		{"repeated timestamp", h + "1,w,c,1,2\n1,w,c,1,2\n",
			"t.csv:3: time 1970-01-01T00:00:01Z is not after 1970-01-01T00:00:01Z, the previous sample of /w//c"},
		{"decreasing timestamp", h + "5,w,c,1,2\n6,v,c,1,2\n4,w,c,1,2\n",
			"t.csv:4: time 1970-01-01T00:00:04Z is not after 1970-01-01T00:00:05Z, the previous sample of /w//c"},
		{"bad timestamp", h + "yesterday,w,c,1,2\n", `t.csv:2: column timestamp: "yesterday" is neither RFC 3339 nor integer Unix seconds`},
		{"timestamp out of range", h + "999999999999999,w,c,1,2\n",
			"t.csv:2: column timestamp: 999999999999999 is out of range [-62167219200, 253402300799]"},
		{"empty workload", h + "1,,c,1,2\n", "t.csv:2: column workload: empty"},
		{"no usage in row", h + "1,w,c,,\n", "t.csv:2: no usage: CPU and memory are both unknown"},
		{"bad oom_killed", "timestamp,workload,container,cpu_cores,oom_killed\n1,w,c,1,yes\n",
			`t.csv:2: column oom_killed: "yes" is not 0, 1, true or false`},
		{"throttled above 1", "timestamp,workload,container,cpu_cores,throttled_fraction\n1,w,c,1,1.5\n",
			"t.csv:2: throttled fraction 1.5 out of range [0, 1]"},
		{"zero interval", "timestamp,workload,container,cpu_cores,interval_seconds\n1,w,c,1,0\n",
			"t.csv:2: column interval_seconds: 0 s is out of range (0, 604800]"},
		{"bad quote", h + "1,w,c\"x,1,2\n", `t.csv:2: bare " in non-quoted-field`},
		{"blank lines keep line numbers", h + "1,w,c,1,2\n\n\n2,w,c,-1,2\n", `t.csv:5: column cpu_cores: "-1" is negative`},
	})
}

func TestWriterRoundTrip(t *testing.T) {
	in := []workload.Sample{{
		Ref:  workload.ContainerRef{Namespace: "prod", Kind: "Deployment", Workload: "api, v2", Pod: "api-7d9f", Container: "app"},
		Time: utc("2024-03-01T10:00:00.123456789Z"), Interval: 15*time.Second + time.Millisecond,
		CPU: 0.1 + 0.2, Memory: 123456789.5,
		Provisioned: workload.Resources{CPURequest: 0.5, CPULimit: 1, MemRequest: 1 << 30, MemLimit: 2 << 30},
		OOMKilled:   true, ThrottledFraction: 1.0 / 3,
	}, {
		Ref:  workload.ContainerRef{Workload: `q"uote`, Container: "c"},
		Time: utc("1969-12-31T23:59:59Z"), Interval: trace.DefaultInterval,
		CPU: math.NaN(), Memory: 1e-300, ThrottledFraction: math.NaN(),
	}, {
		Ref:  workload.ContainerRef{Workload: "w", Container: "c"},
		Time: utc("2024-03-01T10:00:00Z"), Interval: time.Nanosecond,
		CPU: 5e20, Memory: math.NaN(), ThrottledFraction: 0,
	}}
	var buf bytes.Buffer
	w := trace.NewWriter(&buf)
	for _, s := range in {
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out, err := readString("rt.csv", "tailor", buf.String())
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if len(out) != len(in) {
		t.Fatalf("read %d samples, wrote %d", len(out), len(in))
	}
	for i := range in {
		if !sameSample(in[i], out[i]) {
			t.Errorf("sample %d:\nwrote %+v\nread  %+v", i, in[i], out[i])
		}
	}
}

func TestWriterRejects(t *testing.T) {
	ok := workload.Sample{Ref: workload.ContainerRef{Workload: "w", Container: "c"},
		Time: utc("2024-01-01T00:00:00Z"), Interval: time.Minute, CPU: 1, Memory: math.NaN()}
	tests := map[string]func(*workload.Sample){
		"no container":       func(s *workload.Sample) { s.Ref.Container = "" },
		"newline in name":    func(s *workload.Sample) { s.Ref.Pod = "a\nb" },
		"spaces around name": func(s *workload.Sample) { s.Ref.Pod = " a" },
		"negative cpu":       func(s *workload.Sample) { s.CPU = -1 },
		"infinite memory":    func(s *workload.Sample) { s.Memory = math.Inf(1) },
		"no usage":           func(s *workload.Sample) { s.CPU = math.NaN() },
		"NaN request":        func(s *workload.Sample) { s.Provisioned.CPURequest = math.NaN() },
		"zero interval":      func(s *workload.Sample) { s.Interval = 0 },
		"throttled 2":        func(s *workload.Sample) { s.ThrottledFraction = 2 },
		"year 10000":         func(s *workload.Sample) { s.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			s := ok
			mutate(&s)
			if err := trace.NewWriter(&bytes.Buffer{}).Write(s); err == nil {
				t.Errorf("Write(%+v) succeeded, want an error", s)
			}
		})
	}
	var buf bytes.Buffer
	w := trace.NewWriter(&buf)
	if err := w.Flush(); err != nil || !strings.HasPrefix(buf.String(), "timestamp,namespace,") {
		t.Errorf("Flush without samples: %v, %q; want the header", err, buf.String())
	}
}
