package experiment

import (
	"fmt"
)

func (s *Spec) validateMetrics(p *problems) {
	if len(s.Metrics) == 0 {
		p.add("spec.metrics", "want at least one metric")
		return
	}
	n := newNames("spec.metrics", labelName, "letters, digits, '_', '.' and '-'")
	sources := map[string]int{}
	optimized := 0
	for i, m := range s.Metrics {
		at := fmt.Sprintf("spec.metrics[%d]", i)
		n.check(p, i, m.Name)
		src, known := LookupSource(m.Source)
		switch j, dup := sources[m.Source]; {
		case m.Source == "":
			p.add(at+".source", "required (want one of %s)", sourceNames())
		case !known:
			p.add(at+".source", "unknown source %q (want one of %s)", m.Source, sourceNames())
		case dup:
			p.add(at+".source", "%q is already measured by spec.metrics[%d]; give one metric both the goal and the bounds", m.Source, j)
		default:
			sources[m.Source] = i
		}
		switch m.Goal {
		case "", Minimize, Maximize:
		default:
			p.add(at+".goal", "unknown goal %q (want minimize or maximize)", m.Goal)
		}
		if m.Optimized() {
			optimized++
			if m.Goal == "" {
				p.add(at+".optimize", "an optimized metric needs a goal (minimize or maximize)")
			}
		}
		if known {
			validateBounds(p, at, src, m)
		}
		if m.Source == CostPerHour && s.Trial.Resources.CPU == "" && s.Trial.Resources.Memory == "" {
			p.add(at+".source", "cost_per_hour is priced from spec.trial.resources; set cpu, memory or both")
		}
	}
	if optimized == 0 {
		p.add("spec.metrics", "no metric is optimized: give at least one a goal (minimize or maximize)")
	}
}

func validateBounds(p *problems, at string, src Source, m Metric) {
	var lo, hi float64
	var err error
	okLo, okHi := m.Min != nil, m.Max != nil
	if okLo {
		if lo, err = src.ParseValue(*m.Min); err != nil {
			p.add(at+".min", "%v", err)
			okLo = false
		}
	}
	if okHi {
		if hi, err = src.ParseValue(*m.Max); err != nil {
			p.add(at+".max", "%v", err)
			okHi = false
		}
	}
	if okLo && okHi && lo > hi {
		p.add(at+".max", "must be >= min (got %s < %s)", src.Format(hi), src.Format(lo))
	}
}
