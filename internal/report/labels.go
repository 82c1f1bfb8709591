package report

import (
	"cmp"
	"image/color"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// label is one text next to a data point. Policy names prefer the space
// above right of their point, sweep values below right.
type label struct {
	at    plotter.XY
	text  string
	color color.Color
	below bool
}

const (
	labelSize = 8
	labelGap  = 3 // points between a point and its label
	// The approximate size of a panel's data area in points. Only label
	// placement uses it, to tell whether two texts would overlap.
	areaW, areaH = 330.0, 265.0
)

// box is a rectangle in approximate data-area points.
type box struct{ x0, y0, x1, y1 float64 }

func (a box) overlaps(b box) bool { return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 }

// placement is where a label sits relative to its point: right or left of
// it, above or below it, row lines further out.
type placement struct {
	left, below bool
	row         int
}

// candidates lists the placements to try, in order of preference.
func candidates(below bool) []placement {
	var out []placement
	for row := range 2 {
		for _, left := range []bool{false, true} {
			out = append(out, placement{left, below, row}, placement{left, !below, row})
		}
	}
	return out
}

// addLabels draws the labels, policy names first, each at its first
// placement that overlaps neither a data point nor an earlier label (or its
// preferred one when every placement does). The layout is approximate but
// deterministic.
func addLabels(p *plot.Plot, labels []label, points plotter.XYs) error {
	labels = slices.Clone(labels)
	slices.SortStableFunc(labels, func(a, b label) int { return cmp.Compare(b2i(a.below), b2i(b.below)) })
	var taken []box
	for _, pt := range points {
		x, y := areaXY(p, pt)
		taken = append(taken, box{x - 3, y - 3, x + 3, y + 3})
	}
	for _, l := range labels {
		sty := textStyle(labelSize, draw.XLeft, draw.YBottom)
		sty.Color = l.color
		w := float64(sty.Width(l.text).Points())
		pl, b := place(p, l, w, taken)
		taken = append(taken, b)
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{l.at}, Labels: []string{l.text}})
		if err != nil {
			return err
		}
		dx, dy := vg.Length(labelGap), vg.Length(labelGap+pl.row*(labelSize+1))
		if pl.left {
			sty.XAlign, dx = draw.XRight, -dx
		}
		if pl.below {
			sty.YAlign, dy = draw.YTop, -dy
		}
		lb.TextStyle[0], lb.Offset = sty, vg.Point{X: dx, Y: dy}
		p.Add(lb)
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// place picks l's placement for a text w points wide, and its box.
func place(p *plot.Plot, l label, w float64, taken []box) (placement, box) {
	x, y := areaXY(p, l.at)
	cs := candidates(l.below)
	for _, c := range cs {
		b := labelBox(x, y, w, c)
		if b.x0 < 0 || b.x1 > areaW || b.y0 < 0 || b.y1 > areaH {
			continue
		}
		free := true
		for _, t := range taken {
			free = free && !b.overlaps(t)
		}
		if free {
			return c, b
		}
	}
	return cs[0], labelBox(x, y, w, cs[0])
}

func labelBox(x, y, w float64, c placement) box {
	x0 := x + labelGap
	if c.left {
		x0 = x - labelGap - w
	}
	y0 := y + labelGap + float64(c.row*(labelSize+1))
	if c.below {
		y0 = y - labelGap - float64(c.row*(labelSize+1)) - labelSize
	}
	return box{x0, y0, x0 + w, y0 + labelSize}
}

// areaXY maps a data point into approximate data-area points.
func areaXY(p *plot.Plot, pt plotter.XY) (float64, float64) {
	return p.X.Scale.Normalize(p.X.Min, p.X.Max, pt.X) * areaW, p.Y.Scale.Normalize(p.Y.Min, p.Y.Max, pt.Y) * areaH
}
