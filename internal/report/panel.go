package report

import (
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// xyOf picks a panel's (x, y) from a score.
type xyOf func(Score) (x, y float64)

// panelSpec describes one panel of the figure.
type panelSpec struct {
	title, xLabel, yLabel string
	xy                    xyOf
	logX                  bool // log(1+x) x axis, for counts that span decades
}

// panel builds one plot of the figure: every series projected with spec.xy.
func panel(spec panelSpec, ss []series) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = spec.title
	p.X.Label.Text = spec.xLabel
	p.Y.Label.Text = spec.yLabel
	setFonts(p)
	if spec.logX {
		p.X.Scale, p.X.Tick.Marker = log1pScale{}, log1pTicks{}
	}
	setRanges(p, ss, spec.xy)
	p.Add(plotter.NewGrid())
	var labels []label
	for _, s := range ss {
		ls, err := addSeries(p, s, spec.xy)
		if err != nil {
			return nil, err
		}
		labels = append(labels, mergeNear(p, ls)...)
	}
	if err := addLabels(p, labels, allPoints(ss, spec.xy)); err != nil {
		return nil, err
	}
	return p, nil
}

// setRanges starts both axes at 0 and leaves room past the largest value for
// labels; set before plotting, they let labels find their near neighbours.
func setRanges(p *plot.Plot, ss []series, xy xyOf) {
	p.X.Min, p.Y.Min, p.X.Max, p.Y.Max = 0, 0, 0, 0
	for _, s := range ss {
		for _, sc := range s.points {
			x, y := xy(sc)
			p.X.Max, p.Y.Max = max(p.X.Max, x), max(p.Y.Max, y)
		}
	}
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		if a.Max <= 0 {
			a.Max = 1
		}
		a.Max *= 1.15
	}
}

// near says whether a and b are within about a label's height of each other
// on p (1.5 % of the width, 3 % of the height).
func near(p *plot.Plot, a, b plotter.XY) bool {
	dx := p.X.Scale.Normalize(p.X.Min, p.X.Max, a.X) - p.X.Scale.Normalize(p.X.Min, p.X.Max, b.X)
	dy := p.Y.Scale.Normalize(p.Y.Min, p.Y.Max, a.Y) - p.Y.Scale.Normalize(p.Y.Min, p.Y.Max, b.Y)
	return math.Abs(dx) < 0.015 && math.Abs(dy) < 0.03
}

// allPoints is every data point of the panel.
func allPoints(ss []series, xy xyOf) plotter.XYs {
	var out plotter.XYs
	for _, s := range ss {
		for _, sc := range s.points {
			x, y := xy(sc)
			out = append(out, plotter.XY{X: x, Y: y})
		}
	}
	return out
}

// mergeNear joins the labels of one series whose points (nearly) coincide
// on p into the first one's: "key=0,0.1".
func mergeNear(p *plot.Plot, ls []label) []label {
	var out []label
	for _, l := range ls {
		i := slices.IndexFunc(out, func(o label) bool { return near(p, o.at, l.at) })
		if i < 0 {
			out = append(out, l)
			continue
		}
		out[i].text += "," + l.text
	}
	return out
}

// addSeries draws s, a line through a sweep's points or a single point, and
// returns its labels.
func addSeries(p *plot.Plot, s series, xy xyOf) ([]label, error) {
	pts := make(plotter.XYs, len(s.points))
	for i, sc := range s.points {
		pts[i].X, pts[i].Y = xy(sc)
	}
	if s.values != nil {
		line, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		line.LineStyle = draw.LineStyle{Color: s.color, Width: vg.Points(1.2)}
		p.Add(line)
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: s.color, Shape: s.shape, Radius: s.radius}
	p.Add(sc)
	return seriesLabels(s, pts), nil
}

// seriesLabels names a policy's point, and a sweep's points by value, the
// first as key=value.
func seriesLabels(s series, pts plotter.XYs) []label {
	if s.values == nil {
		return []label{{at: pts[0], text: s.label, color: s.color}}
	}
	out := make([]label, len(pts))
	for i, pt := range pts {
		out[i] = label{at: pt, text: s.values[i], color: s.color, below: true}
	}
	out[0].text = s.key + "=" + out[0].text
	return out
}

// setFonts gives every text of p the fixed textFont.
func setFonts(p *plot.Plot) {
	p.Title.TextStyle.Font = font.From(textFont, 11)
	p.Legend.TextStyle.Font = font.From(textFont, labelSize)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(textFont, 10)
		a.Tick.Label.Font = font.From(textFont, labelSize)
	}
}

// log1pScale places x at log(1+x): counts from 0 to hundreds stay readable.
type log1pScale struct{}

func (log1pScale) Normalize(lo, hi, x float64) float64 {
	return (math.Log1p(x) - math.Log1p(lo)) / (math.Log1p(hi) - math.Log1p(lo))
}

// log1pTicks labels 0 and the 1-2-5 series up to hi (every whole number
// when hi < 10), with unlabeled minor ticks at the other whole multiples of
// each power of ten.
type log1pTicks struct{}

func (log1pTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := []plot.Tick{{Value: 0, Label: "0"}}
	for pow := 1.0; pow <= hi; pow *= 10 {
		for m := 1.0; m <= 9 && m*pow <= hi; m++ {
			t := plot.Tick{Value: m * pow}
			if m == 1 || m == 2 || m == 5 || hi < 10 {
				t.Label = strconv.FormatFloat(t.Value, 'f', -1, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return slices.DeleteFunc(ticks, func(t plot.Tick) bool { return t.Value < lo })
}
