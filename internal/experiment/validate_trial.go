package experiment

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"tailor.dev/tailor/internal/optimize"
)

var httpMethod = regexp.MustCompile(`^[A-Z]+$`)

// validationPort is the port of addr when templates are rendered on the
// baseline for validation.
const validationPort = 8080

// validateTrial checks spec.trial; with a valid baseline it also renders
// every template on it, else it only parses them.
func (s *Spec) validateTrial(p *problems, name string, baseline []optimize.Value) {
	t := s.Trial
	switch {
	case len(t.Command) == 0:
		p.add("spec.trial.command", "required: the command that starts the service, such as [go, run, ./cmd/server]")
	case t.Command[0] == "":
		p.add("spec.trial.command[0]", "must not be empty")
	}
	for _, k := range sortedKeys(t.Env) {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			p.add("spec.trial.env", "invalid variable name %q", k)
		}
	}
	positive(p, "spec.trial.readiness.timeout", t.Readiness.Timeout)
	positive(p, "spec.trial.readiness.interval", t.Readiness.Interval)
	s.validateLoad(p)
	if positive(p, "spec.trial.timeout", t.Timeout) && t.Timeout < t.minTimeout() {
		p.add("spec.trial.timeout", "%v is shorter than readiness.timeout + load.warmup + load.duration (%v)", t.Timeout, t.minTimeout())
	}
	if baseline == nil {
		for _, ft := range t.templates() {
			if _, err := parseTemplate(ft.field, ft.text); err != nil {
				p.add(ft.field, "%v", err)
			}
		}
		return
	}
	_, errs := s.render(s.templateData(name, baseline, 1, validationPort))
	p.list = append(p.list, errs...)
}

func (s *Spec) validateLoad(p *problems) {
	l := s.Trial.Load
	if l.Target.URL == "" {
		p.add("spec.trial.load.target.url", "required")
	}
	if !httpMethod.MatchString(l.Target.Method) {
		p.add("spec.trial.load.target.method", "%q: want an HTTP method such as GET or POST", l.Target.Method)
	}
	for _, k := range sortedKeys(l.Target.Headers) {
		if k == "" || strings.ContainsAny(k, " :\t\r\n") {
			p.add("spec.trial.load.target.headers", "invalid header name %q", k)
		}
	}
	if !(l.Rate > 0) || math.IsInf(l.Rate, 0) {
		p.add("spec.trial.load.rate", "must be a number of requests per second > 0 (got %v)", l.Rate)
	}
	positive(p, "spec.trial.load.duration", l.Duration)
	if l.Warmup < 0 {
		p.add("spec.trial.load.warmup", "must be >= 0 (got %v)", l.Warmup)
	}
	positive(p, "spec.trial.load.requestTimeout", l.RequestTimeout)
}

func positive(p *problems, field string, d Duration) bool {
	if d <= 0 {
		p.add(field, "must be > 0 (got %v)", d)
		return false
	}
	return true
}

type fieldTemplate struct{ field, text string }

// templates lists every template of the trial with its field path.
func (t TrialTemplate) templates() []fieldTemplate {
	var out []fieldTemplate
	for i, c := range t.Command {
		out = append(out, fieldTemplate{fmt.Sprintf("spec.trial.command[%d]", i), c})
	}
	for _, k := range sortedKeys(t.Env) {
		out = append(out, fieldTemplate{"spec.trial.env." + k, t.Env[k]})
	}
	for _, k := range sortedKeys(t.Load.Target.Headers) {
		out = append(out, fieldTemplate{"spec.trial.load.target.headers." + k, t.Load.Target.Headers[k]})
	}
	return append(out,
		fieldTemplate{"spec.trial.resources.cpu", t.Resources.CPU},
		fieldTemplate{"spec.trial.resources.memory", t.Resources.Memory},
		fieldTemplate{"spec.trial.readiness.httpGet", t.Readiness.HTTPGet},
		fieldTemplate{"spec.trial.load.target.url", t.Load.Target.URL},
		fieldTemplate{"spec.trial.load.target.body", t.Load.Target.Body},
	)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
