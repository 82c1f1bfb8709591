package report

import (
	"bytes"
	"encoding/xml"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.svg")

// fixture is a small fixed benchmark result: the five policies and two
// sweeps, one of them given out of order.
func fixture() TradeOff {
	return TradeOff{Title: "fixture", Scores: []Score{
		{Name: "tailor", CPUSlack: 120, CPUShortfall: 8, MemSlack: 40, OOMKills: 1},
		{Name: "vpa", CPUSlack: 300, CPUShortfall: 2, MemSlack: 90, OOMKills: 0},
		{Name: "krr", CPUSlack: 150, CPUShortfall: 12, MemSlack: 55, OOMKills: 3},
		{Name: "autopilot", CPUSlack: 200, CPUShortfall: 5, MemSlack: 70, OOMKills: 2},
		{Name: "manual", CPUSlack: 900, CPUShortfall: 30, MemSlack: 400, OOMKills: 0},
		{Name: "tailor[cpu.margin=0.3]", CPUSlack: 160, CPUShortfall: 4, MemSlack: 40, OOMKills: 1},
		{Name: "tailor[cpu.margin=0]", CPUSlack: 90, CPUShortfall: 14, MemSlack: 40, OOMKills: 1},
		{Name: "tailor[cpu.margin=0.1]", CPUSlack: 110, CPUShortfall: 9, MemSlack: 40, OOMKills: 1},
		{Name: "tailor[memory.window=24h]", CPUSlack: 120, CPUShortfall: 8, MemSlack: 25, OOMKills: 4},
		{Name: "tailor[memory.window=168h]", CPUSlack: 120, CPUShortfall: 8, MemSlack: 40, OOMKills: 1},
	}}
}

func render(t *testing.T, in TradeOff) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteTradeOffSVG(&b, in); err != nil {
		t.Fatalf("WriteTradeOffSVG: %v", err)
	}
	return b.Bytes()
}

func TestTradeOffSVGGolden(t *testing.T) {
	got := render(t, fixture())
	golden := filepath.Join("testdata", "tradeoff.golden.svg")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("SVG differs from %s (%d vs %d bytes); if the change is intended run go test ./internal/report -update",
			golden, len(got), len(want))
	}
}

func TestTradeOffSVGDeterministic(t *testing.T) {
	a, b := render(t, fixture()), render(t, fixture())
	if !bytes.Equal(a, b) {
		t.Fatal("two renderings of the same input differ")
	}
}

// svgTexts parses the SVG and returns the contents of its <text> elements.
func svgTexts(t *testing.T, svg []byte) []string {
	t.Helper()
	var texts []string
	d := xml.NewDecoder(bytes.NewReader(svg))
	inText := false
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return texts
			}
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inText = tok.Name.Local == "text"
		case xml.CharData:
			if inText {
				texts = append(texts, strings.TrimSpace(string(tok)))
			}
		case xml.EndElement:
			inText = false
		}
	}
}

func TestTradeOffSVGStructure(t *testing.T) {
	texts := strings.Join(svgTexts(t, render(t, fixture())), "\n")
	for _, want := range []string{
		"fixture: trade-offs", "(a) CPU", "(b) memory", "CPU shortfall (core-h)", "CPU slack (core-h)",
		"OOM kills", "memory slack (GiB-h)", "tailor", "vpa", "krr", "autopilot", "manual",
		"cpu.margin=0", "0.3", "memory.window=24h", "168h",
	} {
		if !strings.Contains(texts, want) {
			t.Errorf("no text %q in the SVG", want)
		}
	}
	// A CPU sweep is drawn only in the CPU panel and a memory sweep only in
	// the memory panel: each key appears once.
	for _, key := range []string{"cpu.margin=", "memory.window="} {
		if n := strings.Count(texts, key); n != 1 {
			t.Errorf("%q appears %d times, want once", key, n)
		}
	}
}

func TestGroupSortsSweeps(t *testing.T) {
	ss := group(fixture().Scores)
	if len(ss) != 7 {
		t.Fatalf("got %d series, want 5 policies + 2 sweeps", len(ss))
	}
	var names []string
	for _, s := range ss {
		names = append(names, s.label)
	}
	// Sweeps first, then the policies with tailor last (drawn on top).
	want := "tailor[cpu.margin=0.3] tailor[memory.window=24h] vpa krr autopilot manual tailor"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("series order %q, want %q", got, want)
	}
	if got := strings.Join(ss[0].values, ","); got != "0,0.1,0.3" {
		t.Errorf("cpu.margin sweep order %s, want 0,0.1,0.3", got)
	}
	if got := strings.Join(ss[1].values, ","); got != "24h,168h" {
		t.Errorf("memory.window sweep order %s, want 24h,168h", got)
	}
	if ss[0].points[0].CPUShortfall != 14 {
		t.Errorf("points not sorted with their values: %+v", ss[0].points)
	}
}

func TestTradeOffSVGRejects(t *testing.T) {
	for name, scores := range map[string][]Score{
		"empty":    nil,
		"NaN":      {{Name: "tailor", CPUSlack: math.NaN()}},
		"Inf":      {{Name: "vpa", MemSlack: math.Inf(1)}},
		"negative": {{Name: "krr", CPUShortfall: -1}},
		"OOM < 0":  {{Name: "manual", OOMKills: -1}},
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteTradeOffSVG(&b, TradeOff{Scores: scores}); err == nil {
				t.Fatal("no error")
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes on error", b.Len())
			}
		})
	}
}

func TestTradeOffSVGAllZero(t *testing.T) {
	// A CPU-only dataset scores 0 memory slack and 0 OOM kills everywhere.
	svg := render(t, TradeOff{Scores: []Score{{Name: "tailor"}, {Name: "manual", CPUSlack: 3}}})
	if len(svgTexts(t, svg)) == 0 {
		t.Fatal("no text in the SVG")
	}
}

func TestLog1pTicks(t *testing.T) {
	for _, c := range []struct {
		hi   float64
		want string // labeled ticks
	}{
		{1.15, "0 1"},
		{4.6, "0 1 2 3 4"},
		{350, "0 1 2 5 10 20 50 100 200"},
	} {
		var got []string
		for _, tk := range (log1pTicks{}).Ticks(0, c.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("hi %v: labeled ticks %v, want %s", c.hi, got, c.want)
		}
	}
	s := log1pScale{}
	if s.Normalize(0, 99, 0) != 0 || s.Normalize(0, 99, 99) != 1 || math.Abs(s.Normalize(0, 99, 9)-0.5) > 1e-12 {
		t.Error("log1pScale does not map 0, 9, 99 to 0, 0.5, 1 on [0, 99]")
	}
}
