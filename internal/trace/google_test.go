package trace_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/workload"
)

const googleHeader = "time,unique_id,collection_id,instance_index,priority,scheduling_class,machine_id," +
	"alloc_collection_id,alloc_instance_index,collection_type,avg_cpu_usage,avg_memory_usage,max_cpu_usage," +
	"max_memory_usage,random_sample_cpu_usage,assigned_memory,sample_rate,p0_cpu_usage,p10_cpu_usage," +
	"p20_cpu_usage,p30_cpu_usage,p40_cpu_usage,p50_cpu_usage,p60_cpu_usage,p70_cpu_usage,p80_cpu_usage," +
	"p90_cpu_usage,p91_cpu_usage,p92_cpu_usage,p93_cpu_usage,p94_cpu_usage,p95_cpu_usage,p96_cpu_usage," +
	"p97_cpu_usage,p98_cpu_usage,p99_cpu_usage,memory_limit,cpu_limit,abstract_usage,abstract_limit\n"

// googleRow is a row of task 7-3 with the given cells (by column name) and
// zeros elsewhere.
func googleRow(cells map[string]string) string {
	cols := strings.Split(strings.TrimSpace(googleHeader), ",")
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = "0"
		switch c {
		case "unique_id":
			out[i] = "7-3"
		case "collection_id":
			out[i] = "7"
		}
		if v, ok := cells[c]; ok {
			out[i] = v
		}
	}
	return strings.Join(out, ",") + "\n"
}

func gRow(us, avgCPU, maxMem string) string {
	return googleRow(map[string]string{"time": us, "avg_cpu_usage": avgCPU, "max_memory_usage": maxMem,
		"avg_memory_usage": "0.5", "max_cpu_usage": "0.9", "memory_limit": "0.25", "cpu_limit": "0.125"})
}

func TestGoogleConversion(t *testing.T) {
	content := googleHeader + gRow("900078000000", "0.5", "0.001") + gRow("900300000000", "0.25", "0.002") +
		gRow("900600000000", "0.1", "0.003") + gRow("900600000000", "0.2", "0.0001") // duplicate window: merged
	got, err := readString("job7/3.csv", "google2019", content)
	if err != nil {
		t.Fatal(err)
	}
	task := workload.ContainerRef{Namespace: "google-2019", Kind: "Job", Workload: "job-7", Pod: "7-3", Container: "task"}
	prov := workload.Resources{CPURequest: 8, MemRequest: 64 * workload.GiB, MemLimit: 64 * workload.GiB}
	want := []workload.Sample{
		{Ref: task, Time: utc("2019-05-11T10:01:18Z"), Interval: 5 * time.Minute, CPU: 32, Memory: 0.001 * 256 * workload.GiB, Provisioned: prov},
		{Ref: task, Time: utc("2019-05-11T10:05:00Z"), Interval: 5 * time.Minute, CPU: 16, Memory: 0.002 * 256 * workload.GiB, Provisioned: prov},
		{Ref: task, Time: utc("2019-05-11T10:10:00Z"), Interval: 5 * time.Minute, CPU: 0.2 * 64, Memory: 0.003 * 256 * workload.GiB, Provisioned: prov},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d samples, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		want[i].ThrottledFraction = math.NaN()
		if !sameSample(got[i], want[i]) {
			t.Errorf("sample %d:\ngot  %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestGoogleBadInput(t *testing.T) {
	ok := gRow("300000000", "0.5", "0.1")
	checkBad(t, "g.csv", "google2019", []badCase{
		{"missing column", "time,unique_id,collection_id,avg_cpu_usage\n", `g.csv:1: missing column "max_memory_usage"`},
		{"wrong column count", googleHeader + ok + "600000000,7-3,7\n", "g.csv:3: has 3 columns, the header has 40"},
		{"empty cell", googleHeader + ok + gRow("600000000", "", "0.1"), "g.csv:3: column avg_cpu_usage: empty"},
		{"NaN", googleHeader + gRow("600000000", "0.5", "nan"), `g.csv:2: column max_memory_usage: "nan" is not a finite number`},
		{"Inf", googleHeader + gRow("600000000", "inf", "0.1"), `g.csv:2: column avg_cpu_usage: "inf" is not a finite number`},
		{"unparsable number", googleHeader + gRow("600000000", "0.5x", "0.1"), `g.csv:2: column avg_cpu_usage: "0.5x" is not a number`},
		{"negative usage", googleHeader + gRow("600000000", "0.5", "-0.1"), `g.csv:2: column max_memory_usage: "-0.1" is negative`},
		{"bad time", googleHeader + gRow("6e8", "0.5", "0.1"), `g.csv:2: column time: "6e8" is not an integer`},
		{"negative time", googleHeader + gRow("-1", "0.5", "0.1"), "g.csv:2: column time: -1 is out of range [0, 9223372036854775]"},
		{"empty task", googleHeader + googleRow(map[string]string{"unique_id": ""}), "g.csv:2: column unique_id: empty"},
		{"decreasing time", googleHeader + ok + gRow("900000000", "0.5", "0.1") + gRow("600000000", "0.5", "0.1"),
			"g.csv:4: time 2019-05-01T00:10:00Z is before 2019-05-01T00:15:00Z, the previous sample of google-2019/job-7/7-3/task"},
	})
}

func TestGoogleInterleavedTasks(t *testing.T) {
	other := strings.ReplaceAll(gRow("300000000", "0.5", "0.1"), "7-3", "7-4")
	backwards := strings.ReplaceAll(gRow("200000000", "0.5", "0.1"), "7-3", "7-4")
	content := googleHeader + gRow("300000000", "0.5", "0.1") + other + gRow("600000000", "0.5", "0.1") + backwards
	got, err := readString("g.csv", "google2019", content)
	want := "g.csv:5: time 2019-05-01T00:03:20Z is not after 2019-05-01T00:05:00Z, the previous sample of google-2019/job-7/7-4/task"
	if len(got) != 3 || err == nil || err.Error() != want {
		t.Errorf("got %d samples and %v, want 3 and %s", len(got), err, want)
	}
}
