package experiment

import (
	"fmt"
	"regexp"
	"strings"

	"tailor.dev/tailor/internal/optimize"
)

// FieldError is one problem of a spec, at a field path such as
// spec.parameters[2].max.
type FieldError struct {
	Field  string
	Detail string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Detail }

// ValidationError lists every problem of a spec, in field order.
type ValidationError struct {
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		lines[i] = f.Error()
	}
	return strings.Join(lines, "\n")
}

// problems collects field errors.
type problems struct {
	list []FieldError
}

func (p *problems) add(field, format string, args ...any) {
	p.list = append(p.list, FieldError{Field: field, Detail: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Errors: p.list}
}

var (
	dnsLabel   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	labelName  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

// Validate checks the whole experiment (with its defaults filled in) and
// returns a *ValidationError listing every problem, or nil. Templates are
// parsed and executed on the baseline, so an unknown variable or a
// resource that is not a quantity is caught before any trial runs.
func (e *Experiment) Validate() error {
	d := e.Defaulted()
	var p problems
	d.validateHeader(&p)
	s := &d.Spec
	s.validateOptimizer(&p)
	s.validateBudget(&p)
	baseline := s.validateParameters(&p)
	s.validateConstraints(&p, baseline)
	s.validateMetrics(&p)
	s.validateTrial(&p, d.Metadata.Name, baseline)
	return p.err()
}

func (e *Experiment) validateHeader(p *problems) {
	if e.APIVersion != APIVersion {
		p.add("apiVersion", "want %q, got %q", APIVersion, e.APIVersion)
	}
	if e.Kind != Kind {
		p.add("kind", "want %q, got %q", Kind, e.Kind)
	}
	switch n := e.Metadata.Name; {
	case n == "":
		p.add("metadata.name", "required")
	case len(n) > 63 || !dnsLabel.MatchString(n):
		p.add("metadata.name", "%q: want at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit", n)
	}
}

func (s *Spec) validateOptimizer(p *problems) {
	o := s.Optimizer
	switch optimize.Algorithm(o.Algorithm) {
	case optimize.Random, optimize.Sobol, optimize.GP:
	default:
		p.add("spec.optimizer.algorithm", "unknown algorithm %q (want random, sobol or gp)", o.Algorithm)
	}
	if o.InitialPoints < 0 {
		p.add("spec.optimizer.initialPoints", "must be >= 0 (got %d)", o.InitialPoints)
	}
}

func (s *Spec) validateBudget(p *problems) {
	b := s.Budget
	if b.Trials < 1 {
		p.add("spec.budget.trials", "must be >= 1 (got %d)", b.Trials)
	}
	switch {
	case b.Parallel < 1:
		p.add("spec.budget.parallel", "must be >= 1 (got %d)", b.Parallel)
	case b.Trials >= 1 && b.Parallel > b.Trials:
		p.add("spec.budget.parallel", "must be <= trials (got %d > %d)", b.Parallel, b.Trials)
	}
	if b.MaxFailed < 0 {
		p.add("spec.budget.maxFailed", "must be >= 0 (got %d)", b.MaxFailed)
	}
}

// names checks the names of a list: present, well formed, unique.
type names struct {
	list string // field path of the list, such as spec.parameters
	re   *regexp.Regexp
	want string // what re accepts, for people
	seen map[string]int
}

func newNames(list string, re *regexp.Regexp, want string) *names {
	return &names{list: list, re: re, want: want, seen: map[string]int{}}
}

// check reports a missing, malformed or repeated name of element i.
func (n *names) check(p *problems, i int, name string) {
	field := fmt.Sprintf("%s[%d].name", n.list, i)
	switch {
	case name == "":
		p.add(field, "required")
	case !n.re.MatchString(name):
		p.add(field, "%q: want %s", name, n.want)
	default:
		if j, dup := n.seen[name]; dup {
			p.add(field, "duplicate name %q (also %s[%d])", name, n.list, j)
			return
		}
		n.seen[name] = i
	}
}
