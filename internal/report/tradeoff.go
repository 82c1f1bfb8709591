package report

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Score is one policy's replay totals, the values the trade-off figure draws.
type Score struct {
	Name         string  // policy name; "tailor[key=value]" is a sweep variant
	CPUSlack     float64 // core-hours
	CPUShortfall float64 // core-hours
	MemSlack     float64 // GiB-hours
	OOMKills     int
}

// TradeOff is the input of WriteTradeOffSVG.
type TradeOff struct {
	Title  string // figure title, e.g. the dataset name
	Scores []Score
}

// Figure size and text.
const (
	figWidth  = 28 * vg.Centimeter
	figHeight = 12 * vg.Centimeter
)

// textFont is the one face used for all text. Liberation ships inside the
// plot module, so text metrics (and the layout) do not depend on the system.
var textFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// series is what one panel draws for a policy or a sweep.
type series struct {
	label  string   // the policy name
	key    string   // the swept setting, "" for a policy
	points []Score  // one for a policy, several for a sweep
	values []string // sweep values, nil for a policy
	color  color.Color
	shape  draw.GlyphDrawer
	radius vg.Length
}

// WriteTradeOffSVG writes a two-panel SVG: (a) CPU slack core-h (y) against
// CPU shortfall core-h (x); (b) memory slack GiB-h (y) against OOM kills (x,
// on a log(1+x) scale: a policy with hundreds of kills would otherwise squash
// the rest against the axis).
// Every "tailor[key=value]" score joins the sweep of its key, drawn as a line
// through its values (in numeric or duration order when all values parse,
// else in the given order) with each point labeled by its value; every other
// score is a point labeled with its name. The output depends only on t.
func WriteTradeOffSVG(w io.Writer, t TradeOff) error {
	c := vgsvg.New(figWidth, figHeight)
	if err := drawTradeOff(c, t); err != nil {
		return fmt.Errorf("trade-off plot: %w", err)
	}
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("trade-off plot: write: %w", err)
	}
	return nil
}

// only drops the sweeps whose key starts with skip: a sweep of a memory
// setting leaves the CPU panel unchanged and would only clutter it.
func only(ss []series, skip string) []series {
	var out []series
	for _, s := range ss {
		if s.key == "" || !strings.HasPrefix(s.key, skip) {
			out = append(out, s)
		}
	}
	return out
}

// drawTradeOff draws the figure on a figWidth x figHeight canvas.
func drawTradeOff(c vg.CanvasSizer, t TradeOff) error {
	if err := validate(t.Scores); err != nil {
		return err
	}
	ss := group(t.Scores)
	cpu, err := panel(panelSpec{title: "(a) CPU", xLabel: "CPU shortfall (core-h)", yLabel: "CPU slack (core-h)",
		xy: func(s Score) (float64, float64) { return s.CPUShortfall, s.CPUSlack }}, only(ss, "memory."))
	if err != nil {
		return err
	}
	mem, err := panel(panelSpec{title: "(b) memory", xLabel: "OOM kills (log scale)", yLabel: "memory slack (GiB-h)",
		xy: func(s Score) (float64, float64) { return float64(s.OOMKills), s.MemSlack }, logX: true}, only(ss, "cpu."))
	if err != nil {
		return err
	}
	dc := draw.New(c)
	title := "trade-offs (lower left is better)"
	if t.Title != "" {
		title = t.Title + ": " + title
	}
	dc.FillText(textStyle(13, draw.XCenter, draw.YTop), vg.Point{X: figWidth / 2, Y: figHeight - vg.Millimeter}, title)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadTop: 8 * vg.Millimeter, PadX: 8 * vg.Millimeter,
		PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter, PadBottom: 2 * vg.Millimeter}
	cs := plot.Align([][]*plot.Plot{{cpu, mem}}, tiles, dc)
	cpu.Draw(cs[0][0])
	mem.Draw(cs[0][1])
	return nil
}

func validate(scores []Score) error {
	if len(scores) == 0 {
		return errors.New("no scores")
	}
	for _, s := range scores {
		for _, v := range []float64{s.CPUSlack, s.CPUShortfall, s.MemSlack} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return fmt.Errorf("policy %s: score %v is not a finite non-negative number", s.Name, v)
			}
		}
		if s.OOMKills < 0 {
			return fmt.Errorf("policy %s: negative OOM kills %d", s.Name, s.OOMKills)
		}
	}
	return nil
}

// sweepOf splits "tailor[key=value]" into key and value.
func sweepOf(name string) (key, value string, ok bool) {
	inner, ok := strings.CutPrefix(name, "tailor[")
	if !ok {
		return "", "", false
	}
	if inner, ok = strings.CutSuffix(inner, "]"); !ok {
		return "", "", false
	}
	return strings.Cut(inner, "=")
}

// group turns scores into series in drawing order: sweeps (in order of
// first appearance), then the other policies in the given order, so policy
// points are drawn over sweep lines; "tailor" is black and drawn last.
func group(scores []Score) []series {
	var sweeps, policies []series
	index := map[string]int{} // sweep key -> index in sweeps
	for _, s := range scores {
		key, val, ok := sweepOf(s.Name)
		if !ok {
			policies = append(policies, series{label: s.Name, points: []Score{s}})
			continue
		}
		i, seen := index[key]
		if !seen {
			i = len(sweeps)
			index[key] = i
			sweeps = append(sweeps, series{label: s.Name, key: key})
		}
		sweeps[i].points = append(sweeps[i].points, s)
		sweeps[i].values = append(sweeps[i].values, val)
	}
	sort.SliceStable(policies, func(i, j int) bool { return policies[j].label == "tailor" && policies[i].label != "tailor" })
	out := append(sweeps, policies...)
	for i := range out {
		out[i].color, out[i].shape, out[i].radius = plotutil.Color(i), plotutil.Shape(i), 3
		if out[i].label == "tailor" {
			out[i].color, out[i].shape, out[i].radius = color.Black, draw.CircleGlyph{}, 3.5
		}
		if out[i].values != nil {
			sortSweep(&out[i])
		}
	}
	return out
}

// sortSweep orders a sweep's points by value when every value is a number
// or every value is a duration; otherwise the given order stays.
func sortSweep(s *series) {
	keys := make([]float64, len(s.values))
	for _, parse := range []func(string) (float64, error){parseNumber, parseDuration} {
		ok := true
		for i, v := range s.values {
			k, err := parse(v)
			ok = ok && err == nil
			keys[i] = k
		}
		if ok {
			sort.Stable(bySweepKey{s, keys})
			return
		}
	}
}

func parseNumber(v string) (float64, error) { return strconv.ParseFloat(v, 64) }

func parseDuration(v string) (float64, error) {
	d, err := time.ParseDuration(v)
	return float64(d), err
}

type bySweepKey struct {
	s    *series
	keys []float64
}

func (b bySweepKey) Len() int           { return len(b.keys) }
func (b bySweepKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b bySweepKey) Swap(i, j int) {
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
	b.s.points[i], b.s.points[j] = b.s.points[j], b.s.points[i]
	b.s.values[i], b.s.values[j] = b.s.values[j], b.s.values[i]
}

func textStyle(size vg.Length, x draw.XAlignment, y draw.YAlignment) text.Style {
	return text.Style{Color: color.Black, Font: font.From(textFont, size), XAlign: x, YAlign: y,
		Handler: plot.DefaultTextHandler}
}
