package report

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"tailor.dev/tailor/internal/experiment"
)

// paretoAxes picks the two metrics of the scatter plot: the first two
// optimized metrics, or the first optimized one and the first other one.
func paretoAxes(spec experiment.Spec) (x, y experiment.Metric, ok bool) {
	var opt, other []experiment.Metric
	for _, m := range spec.Metrics {
		if m.Goal != "" && (m.Optimize == nil || *m.Optimize) {
			opt = append(opt, m)
		} else {
			other = append(other, m)
		}
	}
	all := append(opt, other...)
	if len(all) < 2 {
		return x, y, false
	}
	return all[0], all[1], true
}

// paretoSVG draws every trial that measured both metrics: feasible trials
// in blue, infeasible and failed ones in grey, the Pareto front as a line,
// the baseline and the recommended configuration labeled.
func paretoSVG(res *experiment.Results, mx, my experiment.Metric) ([]byte, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: %s vs %s", res.Experiment.Metadata.Name, my.Name, mx.Name)
	p.X.Label.Text, p.Y.Label.Text = axisLabel(mx), axisLabel(my)
	setFonts(p)
	front := map[int]bool{}
	var frontPts plotter.XYs
	for _, r := range res.ParetoFront() {
		front[r.Number] = true
	}
	var feasible, other plotter.XYs
	var labels []string
	var labelPts plotter.XYs
	best, hasBest := res.Recommended()
	for _, r := range sortedTrials(res) {
		xv, ok1 := r.Metrics[mx.Source]
		yv, ok2 := r.Metrics[my.Source]
		if !ok1 || !ok2 {
			continue
		}
		pt := plotter.XY{X: xv, Y: yv}
		if st, _ := res.Judge(r); st == experiment.StatusOK {
			feasible = append(feasible, pt)
		} else {
			other = append(other, pt)
		}
		if front[r.Number] {
			frontPts = append(frontPts, pt)
		}
		switch {
		case hasBest && r.Number == best.Number:
			labels, labelPts = append(labels, fmt.Sprintf("recommended (#%d)", r.Number)), append(labelPts, pt)
		case r.Baseline:
			labels, labelPts = append(labels, "baseline"), append(labelPts, pt)
		}
	}
	if len(feasible)+len(other) == 0 {
		return nil, fmt.Errorf("no trial measured both %s and %s", mx.Name, my.Name)
	}
	sortXY(frontPts)
	if err := addScatter(p, other, color.RGBA{160, 160, 160, 255}, "infeasible or failed"); err != nil {
		return nil, err
	}
	if err := addScatter(p, feasible, color.RGBA{31, 119, 180, 255}, "feasible"); err != nil {
		return nil, err
	}
	if len(frontPts) > 1 {
		l, err := plotter.NewLine(frontPts)
		if err != nil {
			return nil, err
		}
		l.Color = color.RGBA{214, 39, 40, 255}
		p.Add(l)
		p.Legend.Add("Pareto front", l)
	}
	for i := range labelPts { // one Labels each, staggered so that close points stay readable
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: labelPts[i : i+1], Labels: labels[i : i+1]})
		if err != nil {
			return nil, err
		}
		lb.Offset = vg.Point{X: vg.Points(6), Y: vg.Points(float64(6 + 12*i))}
		p.Add(lb)
	}
	p.Legend.Top = true
	c := vgsvg.New(7*vg.Inch, 4.5*vg.Inch)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func addScatter(p *plot.Plot, pts plotter.XYs, col color.Color, name string) error {
	if len(pts) == 0 {
		return nil
	}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	s.GlyphStyle.Color, s.GlyphStyle.Radius = col, vg.Points(3)
	p.Add(s)
	p.Legend.Add(name, s)
	return nil
}

func sortXY(pts plotter.XYs) {
	for i := 1; i < len(pts); i++ {
		for j := i; j > 0 && pts[j].X < pts[j-1].X; j-- {
			pts[j], pts[j-1] = pts[j-1], pts[j]
		}
	}
}

func axisLabel(m experiment.Metric) string {
	src, _ := experiment.LookupSource(m.Source)
	if m.Goal == "" {
		return fmt.Sprintf("%s (%s)", m.Name, src.Unit)
	}
	return fmt.Sprintf("%s (%s, %s)", m.Name, src.Unit, m.Goal)
}

var experimentPage = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Name}} — tailor experiment</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;font-size:14px}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}
th{background:#f4f4f4}#summary{white-space:pre-line}tr.pareto td{font-weight:600}tr.failed td,tr.infeasible td{color:#888}td.reason{text-align:left}
</style></head><body>
<h1>Experiment {{.Name}}</h1>
<p id="summary">{{.Summary}}</p>
{{if .SVG}}<figure id="pareto">{{.SVG}}</figure>{{end}}
<table id="trials"><thead><tr><th>trial</th><th></th>{{range .Params}}<th>{{.}}</th>{{end}}{{range .Metrics}}<th>{{.}}</th>{{end}}<th>status</th><th>reason</th></tr></thead>
<tbody>{{range .Rows}}<tr class="{{.Class}}"><td>{{.Number}}</td><td>{{.Mark}}</td>{{range .Cells}}<td>{{.}}</td>{{end}}<td>{{.Status}}</td><td class="reason">{{.Reason}}</td></tr>
{{end}}</tbody></table>
<p>B baseline, * Pareto front, R recommended. Written by <code>tailor experiment results --html</code>.</p>
</body></html>
`))

type htmlRow struct {
	Number         int
	Mark, Class    string
	Cells          []string
	Status, Reason string
}

// WriteExperimentHTML writes a self-contained HTML page: the recommendation,
// a Pareto scatter plot (inline SVG) and the table of every trial.
func WriteExperimentHTML(w io.Writer, res *experiment.Results) error {
	spec := res.Experiment.Spec
	page := struct {
		Name, Summary   string
		SVG             template.HTML
		Params, Metrics []string
		Rows            []htmlRow
	}{Name: res.Experiment.Metadata.Name}
	var sum bytes.Buffer
	if err := writeRecommendation(&sum, res); err != nil {
		return err
	}
	page.Summary = sum.String()
	if mx, my, ok := paretoAxes(spec); ok {
		svg, err := paretoSVG(res, mx, my)
		if err == nil {
			page.SVG = template.HTML(svg) // generated by gonum/plot from numbers, no user markup
		}
	}
	for _, p := range spec.Parameters {
		page.Params = append(page.Params, p.Name)
	}
	for _, m := range spec.Metrics {
		page.Metrics = append(page.Metrics, m.Name)
	}
	mark := marks(res)
	for _, r := range sortedTrials(res) {
		st, reason := res.Judge(r)
		row := htmlRow{Number: r.Number, Mark: mark(r), Status: string(st), Reason: reason, Class: string(st)}
		if bytes.ContainsRune([]byte(row.Mark), '*') {
			row.Class += " pareto"
		}
		for _, p := range spec.Parameters {
			row.Cells = append(row.Cells, paramCell(r.Parameters[p.Name]))
		}
		for _, m := range spec.Metrics {
			row.Cells = append(row.Cells, metricCell(r, m))
		}
		page.Rows = append(page.Rows, row)
	}
	return experimentPage.Execute(w, page)
}
