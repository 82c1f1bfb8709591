package horizontal

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// Scenario is a parsed scenario file: an HPA, a simulated cluster, a demand
// timeline and the replica counts expected at given times. The format is
// documented in docs/hpa-model.md.
type Scenario struct {
	Name    string
	Config  Config
	Spec    Spec
	Options ValidateOptions
	Cluster ClusterConfig
	Initial int32
	// CPUPerRequest turns an rps load into CPU demand (cores per request).
	CPUPerRequest float64
	LoadKind      string // "cpu" (cores) or "rps"
	Load          Timeline
	Values        map[string]*Timeline // Object and External metric values
	Missing       []MissingPods
	Expects       []Expect
	End           time.Duration // last sync time

	lines map[string]int // spec path prefix → defining line, for errors
}

// MissingPods makes the newest Pods pods report no samples in [From, To].
type MissingPods struct {
	From, To time.Duration
	Pods     int
}

// Expect is one expectation line: at every sync in [From, To] (or, for a
// single time, after the last sync at or before it) the set fields must hold.
type Expect struct {
	Line     int
	From, To time.Duration
	Replicas *int32
	Ready    *int32
	Proposal *int32
}

// ParseScenario reads a scenario; errors name the input as "name:line".
func ParseScenario(name string, r io.Reader) (*Scenario, error) {
	p := &parser{s: &Scenario{
		Name: name, Config: DefaultConfig(), Cluster: DefaultClusterConfig(), Initial: 1,
		LoadKind: "cpu", Load: Timeline{Name: "load"}, Values: map[string]*Timeline{},
		lines: map[string]int{},
	}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		p.line++
		if err := p.parseLine(sc.Text()); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, p.line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := p.finish(); err != nil {
		return nil, fmt.Errorf("%s%w", name, err)
	}
	return p.s, nil
}

type parser struct {
	s          *Scenario
	line       int
	seen       map[string]int // single-use directive → line
	containers bool           // a container directive replaced the default
	defaultReq bool           // pods request=/memory= set the default container
}

func (p *parser) parseLine(text string) error {
	if i := strings.Index(text, "#"); i >= 0 {
		text = text[:i]
	}
	f := strings.Fields(text)
	if len(f) == 0 {
		return nil
	}
	handlers := map[string]func([]string) error{
		"config": p.config, "hpa": p.hpa, "metric": p.metric, "behavior": p.behavior,
		"pods": p.pods, "container": p.container, "load": p.load, "value": p.value,
		"missing": p.missing, "expect": p.expect,
	}
	h, ok := handlers[f[0]]
	if !ok {
		return fmt.Errorf("unknown directive %q (want config, hpa, metric, behavior, pods, container, load, value, missing or expect)", f[0])
	}
	return h(f[1:])
}

// once rejects a second use of a directive that may appear once.
func (p *parser) once(key string) error {
	if p.seen == nil {
		p.seen = map[string]int{}
	}
	if l, ok := p.seen[key]; ok {
		return fmt.Errorf("%s given twice (first on line %d)", key, l)
	}
	p.seen[key] = p.line
	return nil
}
