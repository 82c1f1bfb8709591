package horizontal

import (
	"fmt"
	"strings"
	"time"
)

// pods: pods [initial=N] [startup=D] [pending=D] [age=D] [window=D]
// [startupCPU=Q] [limit=Q] [cpuPerRequest=Q] [request=Q] [memory=Q]
func (p *parser) pods(words []string) error {
	if err := p.once("pods"); err != nil {
		return err
	}
	a, err := args(words, "initial", "startup", "pending", "age", "window", "startupCPU", "limit", "cpuPerRequest", "request", "memory")
	if err != nil {
		return err
	}
	for k, v := range a {
		if err := p.podKey(k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) podKey(k, v string) error {
	c, t := &p.s.Cluster, &p.s.Cluster.Pod
	var err error
	switch k {
	case "initial":
		p.s.Initial, err = parseInt32(v)
	case "startup":
		t.StartupDelay, err = parseNonNegDuration(k, v)
	case "pending":
		t.PendingDelay, err = parseNonNegDuration(k, v)
	case "age":
		c.InitialAge, err = parseNonNegDuration(k, v)
	case "window":
		c.MetricWindow, err = parseNonNegDuration(k, v)
	case "startupCPU":
		t.StartupCPU, err = parseNonNegQuantity(k, v)
	case "limit":
		t.CPULimit, err = parseNonNegQuantity(k, v)
	case "cpuPerRequest":
		var q Milli
		q, err = parseNonNegQuantity(k, v)
		p.s.CPUPerRequest = q.Float()
	case "request", "memory":
		return p.defaultRequest(k, v)
	}
	return err
}

// defaultRequest sets a request of the default single container "app".
func (p *parser) defaultRequest(k, v string) error {
	if p.containers {
		return fmt.Errorf("pods %s= conflicts with container directives; give the requests there", k)
	}
	q, err := parseNonNegQuantity(k, v)
	res := CPU
	if k == "memory" {
		res = Memory
	}
	p.s.Cluster.Pod.Containers[0].Requests[res] = q
	p.defaultReq = true
	return err
}

// container: container NAME [cpu=Q] [memory=Q] [share=F] [memuse=Q] [sidecar=true]
func (p *parser) container(words []string) error {
	if len(words) == 0 {
		return fmt.Errorf("want: container NAME [cpu=Q] [memory=Q] [share=F] [memuse=Q] [sidecar=true]")
	}
	a, err := args(words[1:], "cpu", "memory", "share", "memuse", "sidecar")
	if err != nil {
		return err
	}
	c := ContainerTemplate{Name: words[0], Requests: map[ResourceName]Milli{}, Sidecar: a["sidecar"] == "true"}
	for k, v := range a {
		if err := c.set(k, v); err != nil {
			return err
		}
	}
	if p.defaultReq {
		return fmt.Errorf("container directives conflict with pods request=/memory=; give the requests here")
	}
	if !p.containers {
		p.s.Cluster.Pod.Containers, p.containers = nil, true
	}
	p.s.Cluster.Pod.Containers = append(p.s.Cluster.Pod.Containers, c)
	return nil
}

func (c *ContainerTemplate) set(k, v string) error {
	var err error
	switch k {
	case "cpu", "memory":
		var q Milli
		q, err = parseNonNegQuantity(k, v)
		c.Requests[ResourceName(k)] = q
	case "share":
		c.CPUShare, err = parseFloat(k, v)
		if err == nil && (c.CPUShare < 0 || c.CPUShare > 1) {
			err = fmt.Errorf("share: must be in 0..1 (got %v)", c.CPUShare)
		}
	case "memuse":
		c.Memory, err = parseNonNegQuantity(k, v)
	}
	return err
}

// load: load FROM..TO CORES | load FROM..TO rps=RATE
func (p *parser) load(words []string) error {
	if len(words) != 2 {
		return fmt.Errorf("want: load FROM..TO VALUE or load FROM..TO rps=VALUE")
	}
	kind, raw := "cpu", words[1]
	if v, ok := strings.CutPrefix(raw, "rps="); ok {
		kind, raw = "rps", v
	}
	if len(p.s.Load.Segments) > 0 && kind != p.s.LoadKind {
		return fmt.Errorf("load mixes cores and rps; use one kind per scenario")
	}
	p.s.LoadKind = kind
	return p.segment(&p.s.Load, words[0], raw)
}

// value: value NAME FROM..TO VALUE (an Object or External metric's value)
func (p *parser) value(words []string) error {
	if len(words) != 3 {
		return fmt.Errorf("want: value NAME FROM..TO VALUE")
	}
	t, ok := p.s.Values[words[0]]
	if !ok {
		t = &Timeline{Name: "value " + words[0]}
		p.s.Values[words[0]] = t
	}
	return p.segment(t, words[1], words[2])
}

func (p *parser) segment(t *Timeline, rng, raw string) error {
	from, to, err := parseRange(rng)
	if err != nil {
		return err
	}
	v, err := parseFloat("value", raw)
	if err != nil {
		return err
	}
	return t.Append(Segment{From: from, To: to, Value: v})
}

// missing: missing FROM..TO pods=N
func (p *parser) missing(words []string) error {
	if len(words) != 2 {
		return fmt.Errorf("want: missing FROM..TO pods=N")
	}
	from, to, err := parseRange(words[0])
	if err != nil {
		return err
	}
	a, err := args(words[1:], "pods")
	if err != nil {
		return err
	}
	n, err := parseInt32(a["pods"])
	if err != nil || n < 1 {
		return fmt.Errorf("pods: want a positive count, got %q", a["pods"])
	}
	p.s.Missing = append(p.s.Missing, MissingPods{From: from, To: to, Pods: int(n)})
	return nil
}

// expect: expect T|FROM..TO [replicas=N] [ready=N] [proposal=N]
func (p *parser) expect(words []string) error {
	if len(words) < 2 {
		return fmt.Errorf("want: expect TIME|FROM..TO replicas=N [ready=N] [proposal=N]")
	}
	e := Expect{Line: p.line}
	var err error
	if strings.Contains(words[0], "..") {
		e.From, e.To, err = parseRange(words[0])
	} else {
		e.From, err = parseNonNegDuration("time", words[0])
		e.To = e.From
	}
	if err != nil {
		return err
	}
	a, err := args(words[1:], "replicas", "ready", "proposal")
	if err != nil {
		return err
	}
	for k, v := range a {
		n, err := parseInt32(v)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		e.set(k, n)
	}
	p.s.Expects = append(p.s.Expects, e)
	return nil
}

func (e *Expect) set(k string, n int32) {
	switch k {
	case "replicas":
		e.Replicas = &n
	case "ready":
		e.Ready = &n
	case "proposal":
		e.Proposal = &n
	}
}

func parseRange(s string) (time.Duration, time.Duration, error) {
	a, b, ok := strings.Cut(s, "..")
	if !ok {
		return 0, 0, fmt.Errorf("want a range FROM..TO such as 0s..5m, got %q", s)
	}
	from, err := parseNonNegDuration("range start", a)
	if err != nil {
		return 0, 0, err
	}
	to, err := parseNonNegDuration("range end", b)
	if err != nil {
		return 0, 0, err
	}
	if to < from {
		return 0, 0, fmt.Errorf("range %s ends before it starts", s)
	}
	return from, to, nil
}

func parseNonNegDuration(k, v string) (time.Duration, error) {
	d, err := parseDuration(k, v)
	if err == nil && d < 0 {
		err = fmt.Errorf("%s: must not be negative (got %s)", k, v)
	}
	return d, err
}

func parseNonNegQuantity(k, v string) (Milli, error) {
	q, err := ParseQuantity(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", k, err)
	}
	if q < 0 {
		return 0, fmt.Errorf("%s: must not be negative (got %s)", k, v)
	}
	return q, nil
}
