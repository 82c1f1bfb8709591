package experiment

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestLoadExample(t *testing.T) {
	e, err := Load("testdata/goservice.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := e.Spec
	if *s.Optimizer.Seed != 1 || s.Optimizer.Algorithm != "gp" || s.Budget.Parallel != 1 {
		t.Errorf("optimizer/budget: %+v %+v", s.Optimizer, s.Budget)
	}
	if got := s.Trial.Timeout.Std(); got != 5*time.Minute {
		t.Errorf("timeout %v", got)
	}
	if !s.Metrics[0].Optimized() || !s.Metrics[1].Optimized() || s.Metrics[2].Optimized() || s.Metrics[3].Optimized() {
		t.Errorf("optimize defaults wrong: %+v", s.Metrics)
	}
	bs := s.bounds()
	if len(bs) != 2 || bs[0].limit != 0.25 || !bs[0].upper || bs[1].limit != 0.01 {
		t.Errorf("bounds %+v", bs)
	}
	if got := s.Constraints[0].describe(); got != "gomaxprocs <= 2*cpu + 0.5" {
		t.Errorf("describe %q", got)
	}
	// Marshal and parse again: the same spec.
	data, err := Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if d := diffParameters(e.Spec.Parameters, again.Spec.Parameters); d != "" {
		t.Error(d)
	}
	data2, _ := Marshal(again)
	if string(data) != string(data2) {
		t.Errorf("marshal not stable:\n%s\n---\n%s", data, data2)
	}
}

func TestLoadErrorsNameThePath(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/x.yaml"
	os.WriteFile(path, []byte("apiVersion: tailor.dev/v1alpha1\nkind: Experiment\nspec: {bogus: 1}\n"), 0o644)
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `unknown field "bogus"`) {
		t.Errorf("unknown field: %v", err)
	}
	if _, err := Load(dir + "/missing.yaml"); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

func TestSourceParseAndFormat(t *testing.T) {
	for _, c := range []struct {
		source string
		in     *Scalar
		want   float64
		text   string // Format(want)
		err    string
	}{
		{LatencyP99, StringScalar("250ms"), 0.25, "250ms", ""},
		{LatencyP99, NumberScalar(0.25), 0.25, "250ms", ""},
		{LatencyP50, StringScalar("1.5s"), 1.5, "1.5s", ""},
		{LatencyP95, StringScalar("12.345ms"), 0.012345, "12.3ms", ""},
		{PeakMemoryBytes, StringScalar("512Mi"), 512 << 20, "512MiB", ""},
		{PeakMemoryBytes, NumberScalar(1000), 1000, "1000B", ""},
		{ErrorRate, StringScalar("1%"), 0.01, "1%", ""},
		{ErrorRate, NumberScalar(0.005), 0.005, "0.5%", ""},
		{Throughput, NumberScalar(200), 200, "200.0/s", ""},
		{CostPerHour, NumberScalar(0.0337), 0.0337, "$0.0337/h", ""},
		{OOMKills, StringScalar("0"), 0, "0", ""},
		{LatencyP99, StringScalar("fast"), 0, "", `"fast": want a duration`},
		{PeakMemoryBytes, StringScalar("lots"), 0, "", `"lots": want a quantity`},
		{ErrorRate, StringScalar("x%"), 0, "", `"x%": want a percentage`},
		{CostPerHour, StringScalar("1$"), 0, "", `"1$": want a number (USD/h)`},
		{LatencyP99, StringScalar("-1s"), 0, "", `"-1s": must be >= 0`},
	} {
		src, _ := LookupSource(c.source)
		got, err := src.ParseValue(*c.in)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s %s: %v, want error %q", c.source, c.in.Text(), err, c.err)
			}
		case err != nil || got != c.want:
			t.Errorf("%s %s: %v %v, want %v", c.source, c.in.Text(), got, err, c.want)
		case src.Format(got) != c.text:
			t.Errorf("%s: Format(%v) = %q, want %q", c.source, got, src.Format(got), c.text)
		}
	}
}

func TestRender(t *testing.T) {
	data := map[string]any{"cpu": 0.5, "memory": int64(512), "gogc": "100", "addr": "127.0.0.1:9"}
	for _, c := range []struct{ in, want, err string }{
		{"{{.cpu}}", "0.5", ""},
		{"{{.memory}}Mi", "512Mi", ""},
		{"{{mul .memory 0.9 | int}}MiB", "460MiB", ""},
		{"{{mul .memory 0.9}}", "460.8", ""},
		{"{{div .memory 3 | round}}", "171", ""},
		{"{{div .memory 3 | ceil}}", "171", ""},
		{"{{add .cpu 1}} {{sub .cpu 1}}", "1.5 -0.5", ""},
		{"{{mul .gogc 2}}", "200", ""},
		{"{{div .cpu 0}}", "", "division by zero"},
		{"{{if gt .cpu 0.4}}big{{end}}", "big", ""},
		{"{{printf \"%.2f\" .cpu}}", "0.50", ""},
		{"{{.cpus}}", "", `unknown variable "cpus"`},
		{"{{if .cpus}}x{{end}}", "", `unknown variable "cpus"`},
		{"{{with .cpu}}{{.}}{{end}}", "0.5", ""},
	} {
		got, err := Render("f", c.in, data)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: %v, want error %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %q %v, want %q", c.in, got, err, c.want)
		}
	}
}

func TestScalarJSON(t *testing.T) {
	for _, c := range []struct {
		in, text string
		str      bool
		err      bool
	}{
		{`1`, "1", false, false},
		{`0.25`, "0.25", false, false},
		{`"100"`, "100", true, false},
		{`false`, "", false, true},
		{`[1]`, "", false, true},
	} {
		var s Scalar
		err := s.UnmarshalJSON([]byte(c.in))
		if (err != nil) != c.err || (err == nil && (s.Text() != c.text || s.IsString() != c.str)) {
			t.Errorf("%s: %+v %v", c.in, s, err)
			continue
		}
		if err == nil {
			out, _ := s.MarshalJSON()
			if string(out) != c.in {
				t.Errorf("%s: marshals to %s", c.in, out)
			}
		}
	}
}
